/**
 * The apply diff: a cluster file against the cluster's state (the golden v2 fixtures), as a typed plan,
 * its text and its refusals.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import type { SpecInput } from '../../src/api/input.js';
import { assertValidSpec } from '../../src/api/validate.js';
import type { ClusterSpec } from '../../src/api/types.js';
import { InputError } from '../../src/errors.js';
import { computeApplyPlan } from '../../src/managers/apply/diff.js';
import { assertApplicable } from '../../src/managers/apply/refuse.js';
import { renderPlan } from '../../src/managers/apply/render.js';
import { isEmptyPlan } from '../../src/managers/apply/types.js';
import { newClusterState } from '../../src/state/new-state.js';
import type { ClusterState } from '../../src/state/types.js';

const state = (name: string): ClusterState =>
  JSON.parse(readFileSync(new URL(`../state/fixtures/v2/${name}.state.json`, import.meta.url), 'utf8'));
const SM: SpecInput = {
  name: 'prod',
  provider: 'aws',
  type: 'selfmanaged',
  region: 'eu-west-1',
  distribution: 'k3s',
  kubernetesVersion: '1.36',
  controlPlane: { count: 3, size: 't3.medium' },
  etcd: { count: 3, size: 't3.small' },
  workers: { count: 2, size: 't3.large', spot: true },
  network: { allowCidrs: ['203.0.113.7/32'] },
};
const EKS: SpecInput = {
  name: 'apps',
  provider: 'aws',
  type: 'managed',
  region: 'us-east-1',
  nodePools: [
    { name: 'general', count: 3, size: 't3.large' },
    { name: 'batch', count: 2, size: 'm7g.large', spot: true },
  ],
};
const spec = (input: SpecInput, change: (s: SpecInput) => void = () => {}): ClusterSpec => {
  const copy = structuredClone(input);
  change(copy);
  return assertValidSpec(applyDefaults(copy));
};

describe('apply diff', () => {
  it('finds nothing to do when the file is what the cluster has', () => {
    const plan = computeApplyPlan(state('selfmanaged-aws'), spec(SM));
    expect(plan).toEqual({
      cluster: { provider: 'aws', region: 'eu-west-1', name: 'prod' },
      type: 'selfmanaged',
      changes: [],
      refused: [],
    });
    expect(isEmptyPlan(plan)).toBe(true);
    expect(renderPlan(plan, { color: false })).toBe(
      'Plan for cluster prod (aws/eu-west-1):\nNo changes: the cluster matches the file.\n',
    );
    expect(isEmptyPlan(computeApplyPlan(state('managed-eks'), spec(EKS)))).toBe(true);
  });

  it('resizes the default pool when a self-managed file changes workers.count, counting the machines there are', () => {
    const plan = computeApplyPlan(
      state('selfmanaged-aws'),
      spec(SM, (s) => (s.workers!.count = 5)),
    );
    expect(plan.changes).toEqual([{ kind: 'pool-resize', pool: 'default', from: 2, to: 5, machines: 2 }]);
    expect(renderPlan(plan, { color: false })).toContain('  ~ nodePools[default].count: 2 → 5 (3 to add)\n');
  });

  it('converges a pool whose machines differ from its count (a scale that stopped midway)', () => {
    const s = state('selfmanaged-aws');
    s.machines['prod-worker-2'] = { ...s.machines['prod-worker-1']!, name: 'prod-worker-2' };
    const plan = computeApplyPlan(s, spec(SM));
    expect(plan.changes).toEqual([{ kind: 'pool-resize', pool: 'default', from: 3, to: 2, machines: 3 }]);
    expect(renderPlan(plan, { color: false })).toContain('(1 to drain and delete)');
  });

  it('shows pools added, removed and resized, bounds, labels and taints on a managed cluster', () => {
    const want = spec(EKS, (s) => {
      s.nodePools = [
        {
          name: 'general',
          count: 5,
          min: 2,
          max: 8,
          size: 't3.large',
          labels: { tier: 'web' },
          taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
        },
        {
          name: 'gpu',
          count: 1,
          size: 'g5.xlarge',
          labels: { 'example.com/gpu': 'true' },
          taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
        },
      ];
    });
    const plan = computeApplyPlan(state('managed-eks'), want);
    expect(plan.refused).toEqual([]);
    expect(plan.changes.map((c) => c.kind)).toEqual([
      'pool-resize',
      'pool-bounds',
      'pool-labels',
      'pool-taints',
      'pool-add',
      'pool-remove',
    ]);
    expect(plan.changes[0]).toEqual({ kind: 'pool-resize', pool: 'general', from: 3, to: 5 });
    expect(plan.changes[2]).toEqual({
      kind: 'pool-labels',
      pool: 'general',
      added: { tier: 'web' },
      changed: [],
      removed: {},
    });
    expect(renderPlan(plan, { color: false })).toBe(
      [
        'Plan for cluster apps (aws/us-east-1):',
        '  ~ nodePools[general].count: 3 → 5 (2 to add)',
        '  ~ nodePools[general]: no bounds → min 2, max 8',
        '  ~ nodePools[general].labels: +tier=web',
        '  ~ nodePools[general].taints: +dedicated=web:NoSchedule',
        '  + nodePools[gpu]: 1 × g5.xlarge; labels example.com/gpu=true; taints nvidia.com/gpu=true:NoSchedule',
        '  - nodePools[batch]: 2 node(s) drained and deleted',
        'Plan: 1 pool(s) to add, 1 to resize, 1 to remove, 3 other change(s).',
        '',
      ].join('\n'),
    );
  });

  it('tells label values changed from labels added and removed, and taints by key, value and effect', () => {
    const s = state('managed-eks');
    s.spec.nodePools[0]!.labels = { team: 'a', env: 'dev' };
    s.spec.nodePools[0]!.taints = [{ key: 'k', value: 'a', effect: 'NoSchedule' }];
    const plan = computeApplyPlan(
      s,
      spec(EKS, (x) =>
        Object.assign(x.nodePools![0]!, {
          labels: { team: 'b', tier: 'x' },
          taints: [{ key: 'k', value: 'b', effect: 'NoSchedule' }],
        }),
      ),
    );
    expect(plan.changes).toEqual([
      {
        kind: 'pool-labels',
        pool: 'general',
        added: { tier: 'x' },
        changed: [{ key: 'team', from: 'a', to: 'b' }],
        removed: { env: 'dev' },
      },
      {
        kind: 'pool-taints',
        pool: 'general',
        added: [{ key: 'k', value: 'b', effect: 'NoSchedule' }],
        removed: [{ key: 'k', value: 'a', effect: 'NoSchedule' }],
      },
    ]);
    expect(renderPlan(plan, { color: false })).toContain('~ nodePools[general].labels: +tier=x, ~team: a → b, -env');
  });

  it('changes the allowed CIDRs, including from "the operator\'s address"', () => {
    const plan = computeApplyPlan(
      state('selfmanaged-aws'),
      spec(SM, (s) => (s.network!.allowCidrs = ['203.0.113.7/32', '198.51.100.0/24'])),
    );
    expect(plan.changes).toEqual([
      {
        kind: 'allow-cidrs',
        from: ['203.0.113.7/32'],
        to: ['203.0.113.7/32', '198.51.100.0/24'],
        added: ['198.51.100.0/24'],
        removed: [],
      },
    ]);
    const eks = computeApplyPlan(
      state('managed-eks'),
      spec(EKS, (s) => (s.network = { allowCidrs: ['198.51.100.0/24'] })),
    );
    expect(renderPlan(eks, { color: false })).toContain(
      "~ network.allowCidrs: the operator's address found at create → 198.51.100.0/24",
    );
  });

  it('points a version change to ksctl upgrade, and takes a minor as any of its patches', () => {
    expect(
      computeApplyPlan(
        state('selfmanaged-aws'),
        spec(SM, (s) => (s.kubernetesVersion = '1.36.4')),
      ).upgrade,
    ).toBeUndefined();
    const plan = computeApplyPlan(
      state('selfmanaged-aws'),
      spec(SM, (s) => (s.kubernetesVersion = '1.37')),
    );
    expect(plan.upgrade).toEqual({ from: '1.36.4', to: '1.37' });
    expect(renderPlan(plan, { color: false })).toContain(
      '! kubernetesVersion: 1.36.4 → 1.37: apply does not change versions; use ksctl upgrade',
    );
    expect(() => assertApplicable(plan)).toThrow(
      /spec\.kubernetesVersion: 1\.36\.4 → 1\.37 is an upgrade: run ksctl upgrade/,
    );
    // Managed without a version in the file: whatever the cloud installed is fine.
    expect(
      computeApplyPlan({ ...state('managed-eks'), versions: { kubernetes: 'v1.35.9' } }, spec(EKS)).upgrade,
    ).toBeUndefined();
  });

  it.each<[string, string, (s: SpecInput) => void, string, RegExp]>([
    [
      'the region',
      'selfmanaged-aws',
      (s) => (s.region = 'us-east-1'),
      'spec.region',
      /fixed when the cluster is created/,
    ],
    [
      'the provider',
      'managed-eks',
      (s) => Object.assign(s, { provider: 'gcp', region: 'us-central1' }),
      'spec.provider',
      /fixed when the cluster is created/,
    ],
    ['the distribution', 'selfmanaged-aws', (s) => (s.distribution = 'kubeadm'), 'spec.distribution', /fixed/],
    [
      'the control-plane count',
      'selfmanaged-aws',
      (s) => (s.controlPlane!.count = 5),
      'spec.controlPlane.count',
      /apply changes workers only/,
    ],
    ['the etcd count', 'selfmanaged-aws', (s) => (s.etcd!.count = 5), 'spec.etcd.count', /not resized in place/],
    ['the VPC CIDR', 'selfmanaged-aws', (s) => (s.network!.cidr = '10.1.0.0/16'), 'spec.network.cidr', /fixed/],
    [
      "kubeadm's package mirror",
      'selfmanaged-aws',
      (s) =>
        Object.assign(s, { distribution: 'kubeadm', kubeadm: { packageRepository: { url: 'http://m/v{minor}/' } } }),
      'spec.kubeadm.packageRepository',
      /recorded at create and apply does not change it/,
    ],
    [
      'the worker size (default pool)',
      'selfmanaged-aws',
      (s) => (s.workers!.size = 't3.xlarge'),
      'spec.workers.size',
      /add a new pool with the new value, then remove this one/,
    ],
    [
      'a pool size',
      'managed-eks',
      (s) => (s.nodePools![1]!.size = 'm7g.xlarge'),
      'spec.nodePools[batch].size',
      /add a new pool/,
    ],
    [
      'a pool capacity type',
      'managed-eks',
      (s) => (s.nodePools![0]!.spot = true),
      'spec.nodePools[general].spot',
      /add a new pool/,
    ],
  ])('refuses a change of %s, naming the field, and applies nothing', (_what, fixture, change, field, why) => {
    const plan = computeApplyPlan(state(fixture), spec(fixture === 'managed-eks' ? EKS : SM, change));
    expect(plan.refused.map((r) => r.field)).toContain(field);
    expect(plan.refused.find((r) => r.field === field)!.why).toMatch(why);
    let err: unknown;
    try {
      assertApplicable(plan);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).fields).toContain(field);
    expect((err as InputError).message).toMatch(/nothing was changed/);
    expect(renderPlan(plan, { color: false })).toMatch(
      /Refused: \d+ field\(s\) cannot change in place; nothing will be applied\./,
    );
  });

  it('says why control planes cannot change with embedded etcd', () => {
    const s = state('selfmanaged-aws');
    s.spec.etcd.count = 0;
    const plan = computeApplyPlan(
      s,
      spec(SM, (x) =>
        Object.assign(x, { etcd: { count: 0, size: 't3.small' }, controlPlane: { count: 5, size: 't3.medium' } }),
      ),
    );
    expect(plan.refused).toEqual([
      {
        field: 'spec.controlPlane.count',
        from: '3',
        to: '5',
        why: expect.stringMatching(/with embedded etcd the control planes are the etcd quorum/),
      },
    ]);
  });

  it('ignores operator-side settings (how ksctl logs in, the cgroup v1 consent)', () => {
    const plan = computeApplyPlan(
      state('selfmanaged-aws'),
      spec(SM, (s) =>
        Object.assign(s, {
          ssh: { sudoPassword: true },
          credentials: { profile: 'other' },
          kubelet: { allowCgroupV1: true },
        }),
      ),
    );
    expect(isEmptyPlan(plan)).toBe(true);
  });

  it('colours only when asked, and prints values a user typed JSON-quoted', () => {
    const plan = computeApplyPlan(
      state('managed-eks'),
      spec(EKS, (s) => (s.nodePools![0]!.labels = { team: 'a_b.c' })),
    );
    // eslint-disable-next-line no-control-regex -- no ANSI escape without colour
    expect(renderPlan(plan, { color: false })).not.toMatch(/\u001b/);
    expect(renderPlan(plan, { color: true })).toContain('\u001b[33m~ nodePools[general].labels: +team=a_b.c\u001b[0m');
    const odd = computeApplyPlan(
      state('managed-eks'),
      spec(EKS, (s) => (s.region = 'us-west-2')),
    );
    expect(renderPlan(odd, { color: false })).toContain('x spec.region: us-east-1 → us-west-2');
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('ssh provider: a listed worker added resizes the default pool; another role re-addressed or dropped is refused', () => {
    const m = (name: string, role: string, address: string) =>
      ({ name, role, address, user: 'root' }) as NonNullable<SpecInput['machines']>[number];
    const lab = (machines: NonNullable<SpecInput['machines']>) =>
      assertValidSpec(
        applyDefaults({
          name: 'lab',
          provider: 'ssh',
          region: 'lab',
          type: 'selfmanaged',
          controlPlane: { count: 1 },
          etcd: { count: 0 },
          machines,
        }),
      );
    const base = [
      m('lb', 'loadbalancer', '192.0.2.1'),
      m('cp', 'controlplane', '192.0.2.2'),
      m('w1', 'worker', '192.0.2.3'),
    ];
    const s = newClusterState(lab(base));
    s.machines = {
      w1: { name: 'w1', role: 'worker', sshPort: 22, sshUser: 'root', hostKeys: [], status: 'bootstrapped' },
    };
    const grown = computeApplyPlan(s, lab([...base, m('w2', 'worker', '192.0.2.4')]));
    expect(grown.refused).toEqual([]);
    expect(grown.changes).toEqual([{ kind: 'pool-resize', pool: 'default', from: 1, to: 2, machines: 1 }]);
    const moved = computeApplyPlan(s, lab([base[0]!, m('cp', 'controlplane', '192.0.2.9'), base[2]!]));
    expect(moved.refused.map((r) => r.field)).toEqual(['spec.machines[1]']);
    expect(moved.refused[0]!.why).toMatch(/only worker machines may be added or removed/);
  });
});
