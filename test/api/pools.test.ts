/**
 * The node-pool model: Kubernetes' label and taint rules (as k8s.io/apimachinery v0.37 and the kubelet
 * state them), the cluster file's pool fields, defaults per cluster kind and the refusals, each naming
 * its path.
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { parseClusterFile } from '../../src/api/file.js';
import type { SpecInput } from '../../src/api/input.js';
import {
  formatTaint,
  labelKeyProblem,
  labelValueProblem,
  parseTaint,
  reservedLabelProblem,
} from '../../src/api/k8s-labels.js';
import { findPool, withListedPools } from '../../src/api/pools.js';
import { validateSpec } from '../../src/api/validate.js';
import { InputError } from '../../src/errors.js';

const HEAD = 'apiVersion: ksctl.io/v1alpha1\nkind: Cluster\nmetadata: {name: c}\n';
const resolve = (input: SpecInput) => applyDefaults({ name: 'c', ...input });
const issues = (input: SpecInput) => validateSpec(resolve(input));
const eks = (nodePools: NonNullable<SpecInput['nodePools']>): SpecInput => ({
  provider: 'aws',
  type: 'managed',
  region: 'us-east-1',
  nodePools,
});

describe('label keys and values (apimachinery IsQualifiedName / IsValidLabelValue)', () => {
  it.each([
    'team',
    'example.com/team',
    'a',
    'A_b.c-9',
    'node.kubernetes.io/pool',
    `${'a'.repeat(253)}/${'b'.repeat(63)}`,
  ])('key %s is valid', (k) => {
    expect(labelKeyProblem(k)).toBeUndefined();
  });
  it.each([
    ['', /name part is empty/],
    ['/x', /prefix before "\/" is empty/],
    ['a/b/c', /one "\/"/],
    ['-team', /start/],
    ['team-', /start/],
    ['Example.com/x', /DNS subdomain/],
    ['example.com/', /name part is empty/],
    ['b'.repeat(64), /at most 63/],
    [`${'a'.repeat(254)}/x`, /at most 253/],
    ['has space', /letters, digits/],
  ])('key %j is refused', (k, why) => {
    expect(labelKeyProblem(k)).toMatch(why);
  });
  it.each(['', 'x', 'a.b_c-D', 'v'.repeat(63)])('value %j is valid', (v) =>
    expect(labelValueProblem(v)).toBeUndefined(),
  );
  it.each(['-a', 'a-', 'a b', 'v'.repeat(64), 'ünï'])('value %j is refused', (v) =>
    expect(labelValueProblem(v)).toBeTruthy(),
  );

  it('reserves kubernetes.io and k8s.io as the kubelet does, except node.kubernetes.io, kubelet.kubernetes.io and the well-known labels', () => {
    expect(reservedLabelProblem('node-role.kubernetes.io/worker')).toMatch(/reserved/);
    expect(reservedLabelProblem('k8s.io/x')).toMatch(/reserved/);
    expect(reservedLabelProblem('foo.k8s.io/x')).toMatch(/reserved/);
    expect(reservedLabelProblem('node.kubernetes.io/pool')).toBeUndefined();
    expect(reservedLabelProblem('a.kubelet.kubernetes.io/x')).toBeUndefined();
    expect(reservedLabelProblem('topology.kubernetes.io/zone')).toBeUndefined();
    expect(reservedLabelProblem('example.com/x')).toBeUndefined();
    expect(reservedLabelProblem('notkubernetes.io/x')).toBeUndefined();
  });
});

describe('taints (kubectl taint / --register-with-taints forms)', () => {
  it.each([
    ['dedicated=gpu:NoSchedule', { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
    ['example.com/spot:PreferNoSchedule', { key: 'example.com/spot', value: '', effect: 'PreferNoSchedule' }],
    ['k=:NoExecute', { key: 'k', value: '', effect: 'NoExecute' }],
  ])('%s parses and prints back', (text, taint) => {
    expect(parseTaint(text)).toEqual(taint);
    expect(formatTaint(taint as never)).toBe(text.replace('=:', ':'));
  });
  it.each([
    ['dedicated=gpu', /not a taint/],
    ['a:b:NoSchedule', /not a taint/],
    ['a=b=c:NoSchedule', /more than one "="/],
    ['a=b:NoSchedul', /effect "NoSchedul" is not one of NoSchedule, PreferNoSchedule, NoExecute/],
    ['=b:NoSchedule', /key "": the name part is empty/],
    ['a=-b:NoExecute', /value "-b"/],
  ])('%s is refused', (text, why) => {
    expect(parseTaint(text)).toMatch(why);
  });
});

describe('nodePools in the cluster file', () => {
  it('takes labels, taints in both forms, min/max and zones', () => {
    const input = parseClusterFile(
      `${HEAD}spec:\n  provider: aws\n  type: managed\n  region: us-east-1\n  nodePools:\n  - name: gpu\n    count: 2\n    min: 1\n    max: 4\n    size: g5.xlarge\n    labels: {team: ml, "example.com/gpu": "true"}\n    taints: ["nvidia.com/gpu=true:NoSchedule", {key: dedicated, effect: NoExecute}]\n`,
    );
    const spec = resolve(input);
    expect(spec.nodePools).toEqual([
      {
        name: 'gpu',
        count: 2,
        min: 1,
        max: 4,
        size: 'g5.xlarge',
        spot: false,
        labels: { team: 'ml', 'example.com/gpu': 'true' },
        taints: [
          { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
          { key: 'dedicated', value: '', effect: 'NoExecute' },
        ],
      },
    ]);
    expect(validateSpec(spec)).toEqual([]);
  });

  it('refuses a malformed taint at its path when the file is read', () => {
    expect(() => parseClusterFile(`${HEAD}spec: {nodePools: [{name: a, count: 1, taints: ["gpu=true"]}]}\n`)).toThrow(
      /spec\.nodePools\[0\]\.taints\[0\]: "gpu=true" is not a taint: write a taint as key=value:Effect/,
    );
    expect(() =>
      parseClusterFile(`${HEAD}spec: {nodePools: [{name: a, count: 1, taints: [{key: a, effect: NoRun}]}]}\n`),
    ).toThrow(/spec\.nodePools\[0\]\.taints\[0\]/);
    expect(() => parseClusterFile(`${HEAD}spec: {nodePools: [{name: a, count: -1}]}\n`)).toThrow(
      /spec\.nodePools\[0\]\.count/,
    );
    expect(() => parseClusterFile(`${HEAD}spec: {nodePools: [{name: a, count: 1, color: red}]}\n`)).toThrow(
      /spec\.nodePools\[0\]\.color: unknown field/,
    );
  });

  it('resolves the default pool from workers on every kind of cluster that has workers', () => {
    expect(resolve({ provider: 'aws', type: 'selfmanaged', workers: { count: 0 } }).nodePools).toEqual([
      { name: 'default', count: 0, size: 't3.large', spot: false, labels: {}, taints: [] },
    ]);
    expect(resolve({ provider: 'local', workers: { count: 2 } }).nodePools).toEqual([
      { name: 'default', count: 2, size: '', spot: false, labels: {}, taints: [] },
    ]);
    expect(resolve({ provider: 'local' }).nodePools).toEqual([]);
    expect(resolve({ provider: 'gcp', type: 'managed' }).nodePools.map((p) => [p.name, p.count])).toEqual([
      ['default', 2],
    ]);
  });
});

describe('bad pools: exit 2 naming the field and the fix', () => {
  it.each<[string, SpecInput, string, RegExp]>([
    [
      'duplicate names',
      eks([
        { name: 'a', count: 1 },
        { name: 'a', count: 2 },
      ]),
      'spec.nodePools[1].name',
      /"a" is already the name of spec.nodePools\[0\]: pool names must be unique/,
    ],
    ['a bad name', eks([{ name: 'GPU pool', count: 1 }]), 'spec.nodePools[0].name', /not a DNS label/],
    [
      'count below min',
      eks([{ name: 'a', count: 1, min: 2 }]),
      'spec.nodePools[0].count',
      /below the pool's min 2: use a count of at least 2/,
    ],
    [
      'count above max',
      eks([{ name: 'a', count: 5, max: 3 }]),
      'spec.nodePools[0].count',
      /above the pool's max 3: use a count of at most 3 or raise max/,
    ],
    ['min above max', eks([{ name: 'a', count: 1, min: 3, max: 2 }]), 'spec.nodePools[0].min', /min must be <= max/],
    [
      'a bad label key',
      eks([{ name: 'a', count: 1, labels: { '-x': 'y' } }]),
      'spec.nodePools[0].labels.-x',
      /label key "-x"/,
    ],
    [
      'a bad label value',
      eks([{ name: 'a', count: 1, labels: { x: 'a b' } }]),
      'spec.nodePools[0].labels.x',
      /label value "a b"/,
    ],
    [
      'a reserved label',
      eks([{ name: 'a', count: 1, labels: { 'node-role.kubernetes.io/gpu': '' } }]),
      'spec.nodePools[0].labels.node-role.kubernetes.io/gpu',
      /reserved/,
    ],
    [
      'ksctl.io/pool',
      eks([{ name: 'a', count: 1, labels: { 'ksctl.io/pool': 'b' } }]),
      'spec.nodePools[0].labels.ksctl.io/pool',
      /ksctl sets ksctl.io\/pool/,
    ],
    [
      'a repeated taint',
      eks([
        {
          name: 'a',
          count: 1,
          taints: [
            { key: 'k', value: 'a', effect: 'NoSchedule' },
            { key: 'k', value: 'b', effect: 'NoSchedule' },
          ],
        },
      ]),
      'spec.nodePools[0].taints[1]',
      /one taint per key and effect/,
    ],
    [
      'a self-managed spec whose workers disagree with its default pool',
      {
        provider: 'gcp',
        type: 'selfmanaged',
        workers: { count: 1 },
        nodePools: [{ name: 'default', count: 3, labels: { a: 'b' } }],
      },
      'spec.workers.count',
      /is 1 but spec\.nodePools\[0\]\.count is 3; on a self-managed cluster spec\.workers is the default pool/,
    ],
    [
      'self-managed workers beside pools without a default one',
      { provider: 'aws', type: 'selfmanaged', workers: { count: 2 }, nodePools: [{ name: 'gpu', count: 1 }] },
      'spec.workers.count',
      /lists no "default" pool/,
    ],
    [
      'a self-managed pool whose machine names would not fit a node name',
      { name: 'c'.repeat(30), provider: 'aws', type: 'selfmanaged', nodePools: [{ name: 'p'.repeat(40), count: 1 }] },
      'spec.nodePools[0].name',
      /machine names of up to 75 characters .*\(63\): use a pool name of at most 28 characters/,
    ],
    [
      'a pool without a count',
      { provider: 'aws', type: 'selfmanaged', nodePools: [{ name: 'gpu' }] },
      'spec.nodePools[0].count',
      /must be set/,
    ],
    [
      'zones on a self-managed pool',
      { provider: 'aws', type: 'selfmanaged', nodePools: [{ name: 'gpu', count: 1, zones: ['us-east-1a'] }] },
      'spec.nodePools[0].zones',
      /spread over the network zones ksctl creates/,
    ],
    [
      'a node-role label on a self-managed pool (NodeRestriction)',
      {
        provider: 'azure',
        type: 'selfmanaged',
        nodePools: [{ name: 'gpu', count: 1, labels: { 'node-role.kubernetes.io/gpu': '' } }],
      },
      'spec.nodePools[0].labels.node-role.kubernetes.io/gpu',
      /reserved: a node may only set kubelet\.kubernetes\.io\/…, node\.kubernetes\.io\/…/,
    ],
    [
      'taints on kind',
      {
        provider: 'local',
        nodePools: [{ name: 'a', count: 1, taints: [{ key: 'k', value: '', effect: 'NoSchedule' }] }],
      },
      'spec.nodePools[0].taints',
      /kind nodes take labels but no taints/,
    ],
    [
      'spot on kind',
      { provider: 'local', nodePools: [{ name: 'a', count: 1, spot: true }] },
      'spec.nodePools[0].spot',
      /no spot/,
    ],
    [
      'zones on kind',
      { provider: 'local', nodePools: [{ name: 'a', count: 1, zones: ['a'] }] },
      'spec.nodePools[0].zones',
      /no zones/,
    ],
  ])('%s', (_what, input, path, message) => {
    const found = issues(input).filter((i) => i.path === path);
    expect(found.map((i) => i.message).join('\n')).toMatch(message);
  });

  it('accepts labels on kind workers, a plain default pool on a self-managed cluster, zones on GKE, EKS and AKS', () => {
    expect(issues(eks([{ name: 'a', count: 2, zones: ['us-east-1a', 'us-east-1b'] }]))).toEqual([]);
    expect(
      issues({ provider: 'azure', type: 'managed', nodePools: [{ name: 'a', count: 2, zones: ['1', '2'] }] }),
    ).toEqual([]);
    expect(issues({ provider: 'local', nodePools: [{ name: 'web', count: 2, labels: { tier: 'web' } }] })).toEqual([]);
    expect(
      issues({
        provider: 'aws',
        type: 'selfmanaged',
        workers: { count: 2 },
        nodePools: [{ name: 'default', count: 2 }],
      }),
    ).toEqual([]);
    expect(
      issues({
        provider: 'gcp',
        type: 'managed',
        nodePools: [{ name: 'a', count: 2, zones: ['us-central1-a', 'us-central1-b'] }],
      }),
    ).toEqual([]);
  });

  it('finds a pool by name, or names the pools there are', () => {
    const spec = resolve(
      eks([
        { name: 'a', count: 1 },
        { name: 'b', count: 1 },
      ]),
    );
    expect(findPool(spec, 'b').name).toBe('b');
    const err = (() => {
      try {
        findPool(spec, 'gpu');
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err?.exitCode).toBe(2);
    expect(err?.message).toMatch(/cluster c has no node pool "gpu"/);
    expect(err?.hint).toMatch(/its pools: a, b/);
  });
});

describe('withListedPools: an ssh spec brought to pools, its listed workers kept per pool', () => {
  const machine = (name: string, role: 'worker' | 'controlplane' | 'loadbalancer', pool?: string) => ({
    name,
    role,
    address: `10.0.0.${10 + ['lb-0', 'cp-0', 'w-0', 'w-1', 'w-2', 'w-3', 'w-4'].indexOf(name)}`,
    port: 22,
    user: 'root',
    ...(pool ? { pool } : {}),
  });
  const spec = applyDefaults({
    name: 'p',
    provider: 'ssh',
    type: 'selfmanaged',
    nodePools: [
      { name: 'default', labels: {} },
      { name: 'batch', labels: {} },
    ],
    machines: [
      machine('lb-0', 'loadbalancer'),
      machine('cp-0', 'controlplane'),
      machine('w-0', 'worker'),
      machine('w-1', 'worker'),
      machine('w-2', 'worker', 'batch'),
    ],
  });

  it('shrinks one pool without taking another pool’s machine (a valid spec)', () => {
    const pools = spec.nodePools.map((p) => (p.name === 'default' ? { ...p, count: 1 } : p));
    const next = withListedPools(spec, pools);
    expect(next.machines.filter((m) => m.role === 'worker').map((m) => m.name)).toEqual(['w-0', 'w-2']);
    expect(next.workers.count).toBe(1);
    expect(validateSpec(next)).toEqual([]);
  });

  it('grows a pool onto the machines listed with it', () => {
    const pools = spec.nodePools.map((p) => (p.name === 'batch' ? { ...p, count: 2 } : p));
    const next = withListedPools(spec, pools, [machine('w-3', 'worker', 'batch'), machine('w-4', 'worker')]);
    expect(next.machines.filter((m) => m.role === 'worker').map((m) => m.name)).toEqual(['w-0', 'w-1', 'w-2', 'w-3']);
    expect(validateSpec(next)).toEqual([]);
  });
});
