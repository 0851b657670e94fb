/**
 * Self-managed node pools at create: the machine plan places each pool's workers (size, spot, names),
 * the ssh provider's pools are the machines listed with them, workers join with their pool's labels
 * and taints (k3s config, kubeadm v1beta4), and a worker counts as bootstrapped only after its
 * onboarding check through the API, which asks for exactly those.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyDefaults } from '../../src/api/defaults.js';
import type { SpecInput } from '../../src/api/input.js';
import type { ClusterSpec } from '../../src/api/types.js';
import { validateSpec } from '../../src/api/validate.js';
import { machinePlanOf } from '../../src/cloud/common/machine-plan.js';
import { createSshProvider } from '../../src/cloud/ssh/index.js';
import { registrationOf } from '../../src/distro/controllers/node-input.js';
import { k3sConfig } from '../../src/distro/scripts/k3s.js';
import { kubeadmJoinConfig } from '../../src/distro/scripts/kubeadm-config.js';
import type { NodeInput } from '../../src/distro/scripts/types.js';
import { InputError } from '../../src/errors.js';
import { buildCreatePlan } from '../../src/managers/selfmanaged/plans/create.js';
import { onboardStep } from '../../src/managers/selfmanaged/steps/onboard.js';
import { stepId } from '../../src/managers/selfmanaged/steps/ids.js';
import { checkGraph } from '../../src/pipeline/graph.js';
import { recordingNodeApi } from '../fakes/node-api.js';
import { memoryContext } from '../fakes/memory-cluster.js';
import { bootstrapOf, planSourceOf } from '../helpers/bootstrap.js';
import { CA_HASH, LB } from '../distro/scripts/matrix.js';

const GPU = {
  name: 'gpu',
  count: 2,
  size: 'g5.xlarge',
  spot: true,
  labels: { 'example.com/accel': 'gpu' },
  taints: [{ key: 'example.com/gpu', value: 'true', effect: 'NoSchedule' as const }],
};
const cloudSpec = (extra: Partial<SpecInput> = {}): ClusterSpec =>
  applyDefaults({
    name: 'pl',
    provider: 'aws',
    region: 'us-east-1',
    type: 'selfmanaged',
    nodePools: [{ name: 'default', count: 1, labels: { 'example.com/tier': 'web' } }, GPU],
    ...extra,
  });

describe('machinePlanOf: workers by pool', () => {
  it("places each pool's machines with its size and spot, named by pool, the default pool as before", () => {
    const spec = cloudSpec();
    expect(validateSpec(spec)).toEqual([]);
    expect(spec.workers).toEqual({ count: 1, size: 't3.large', spot: false });
    const workers = machinePlanOf(spec).filter((m) => m.role === 'worker');
    expect(workers).toEqual([
      { name: 'pl-worker-0', role: 'worker', size: 't3.large', spot: false, index: 0, pool: 'default' },
      { name: 'pl-gpu-0', role: 'worker', size: 'g5.xlarge', spot: true, index: 0, pool: 'gpu' },
      { name: 'pl-gpu-1', role: 'worker', size: 'g5.xlarge', spot: true, index: 1, pool: 'gpu' },
    ]);
  });

  it('a spec without pools listed keeps its workers as the default pool', () => {
    const spec = applyDefaults({ name: 'pl', provider: 'gcp', type: 'selfmanaged', workers: { count: 2 } });
    expect(
      machinePlanOf(spec)
        .filter((m) => m.role === 'worker')
        .map((m) => `${m.name}/${m.pool}`),
    ).toEqual(['pl-worker-0/default', 'pl-worker-1/default']);
  });

  it('the create plan: each worker joins, then passes its onboarding check, which needs the kubeconfig', () => {
    const spec = cloudSpec();
    const provider = createSshProvider(); // any provider: the plan is the same graph
    const steps = buildCreatePlan(
      { ...spec, provider: 'ssh', machines: [] },
      { ...planSourceOf(provider), provider: { ...provider, machinePlan: () => machinePlanOf(spec) } },
    );
    expect(() => checkGraph(steps)).not.toThrow();
    for (const name of ['pl-worker-0', 'pl-gpu-0', 'pl-gpu-1']) {
      const onboard = steps.find((s) => s.id === stepId.onboard(name));
      expect(onboard?.needs, name).toEqual([`worker/${name}`, stepId.kubeconfig]);
    }
  });
});

describe('the ssh provider: a pool is the machines listed with it', () => {
  const m = (name: string, role: string, i: number, pool?: string) => ({
    name,
    role: role as 'worker',
    address: `192.0.2.${i}`,
    ...(pool ? { pool } : {}),
  });
  const machines = [
    m('lb', 'loadbalancer', 1),
    m('cp0', 'controlplane', 2),
    m('w0', 'worker', 3, 'gpu'),
    m('w1', 'worker', 4, 'gpu'),
    m('w2', 'worker', 5),
  ];
  const sshSpec = (nodePools: SpecInput['nodePools'], list = machines) =>
    applyDefaults({
      name: 'lab',
      provider: 'ssh',
      type: 'selfmanaged',
      etcd: { count: 0 },
      controlPlane: { count: 1 },
      machines: list,
      nodePools,
    });

  it('counts each pool from spec.machines[].pool; unpooled workers are the default pool', () => {
    const spec = sshSpec([{ name: 'gpu', taints: [GPU.taints[0]!] }]);
    expect(validateSpec(spec)).toEqual([]);
    expect(spec.nodePools.map((p) => `${p.name}=${p.count}`)).toEqual(['default=1', 'gpu=2']);
    expect(spec.workers.count).toBe(1);
    const plan = createSshProvider().machinePlan(spec);
    expect(plan.filter((p) => p.role === 'worker').map((p) => `${p.name}/${p.pool}`)).toEqual([
      'w0/gpu',
      'w1/gpu',
      'w2/default',
    ]);
  });

  it.each([
    [
      'a pool nobody declared',
      () => sshSpec([], [...machines.slice(0, 2), m('w0', 'worker', 3, 'gpu')]),
      'spec.machines[2].pool',
      /"gpu" is not in spec.nodePools/,
    ],
    [
      'a pool on a control plane',
      () =>
        sshSpec(
          [{ name: 'gpu', count: 2 }],
          [m('lb', 'loadbalancer', 1), m('cp0', 'controlplane', 2, 'gpu'), ...machines.slice(2)],
        ),
      'spec.machines[1].pool',
      /only workers belong to a node pool/,
    ],
    [
      'a count that is not the machines listed',
      () => sshSpec([{ name: 'gpu', count: 3 }]),
      'spec.nodePools[1].count', // after the default pool ksctl adds for w2
      /is 3 but spec.machines lists 2 workers with pool "gpu".*leave count unset/,
    ],
  ])('refuses %s, naming the field', (_what, make, path, message) => {
    const found = validateSpec(make()).filter((i) => i.path === path);
    expect(found.map((i) => i.message).join('\n')).toMatch(message);
  });
});

describe('registration: the kubelet gets the pool labels and taints', () => {
  const spec = cloudSpec();
  const input = (pool: string | undefined): NodeInput => ({
    cluster: 'pl',
    kubernetesVersion: '1.37',
    node: { name: 'pl-gpu-0', address: '10.0.3.10' },
    providerId: 'aws:///us-east-1a/i-0123456789abcdef0',
    loadBalancer: LB,
    registration: registrationOf(spec, { ...(pool ? { pool } : {}) }),
  });

  it('adds ksctl.io/pool; a worker recorded before pools is in the default pool', () => {
    expect(registrationOf(spec, { pool: 'gpu' })).toEqual({
      labels: { 'example.com/accel': 'gpu', 'ksctl.io/pool': 'gpu' },
      taints: GPU.taints,
    });
    expect(registrationOf(spec, {})).toEqual({
      labels: { 'example.com/tier': 'web', 'ksctl.io/pool': 'default' },
      taints: [],
    });
  });

  it('k3s agent: node-label and node-taint in its config file (servers get none)', () => {
    const cfg = parse(k3sConfig('agent', input('gpu'))) as Record<string, unknown>;
    expect(cfg['node-label']).toEqual(['example.com/accel=gpu', 'ksctl.io/pool=gpu']);
    expect(cfg['node-taint']).toEqual(['example.com/gpu=true:NoSchedule']);
    const server = parse(k3sConfig('server-init', { ...input(undefined), registration: undefined })) as Record<
      string,
      unknown
    >;
    expect(server['node-label']).toBeUndefined();
    // No taint: no key at all (k3s would read an empty list the same, but the file stays as before pools).
    expect(parse(k3sConfig('agent', input(undefined)))).not.toHaveProperty('node-taint');
  });

  it('kubeadm: nodeRegistration.taints and the node-labels kubelet flag (v1beta4 {name, value})', () => {
    const doc = parse(kubeadmJoinConfig({ ...input('gpu'), caCertHash: CA_HASH }, false)) as {
      nodeRegistration: { taints?: unknown; kubeletExtraArgs: { name: string; value: string }[] };
    };
    expect(doc.nodeRegistration.taints).toEqual([{ key: 'example.com/gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(doc.nodeRegistration.kubeletExtraArgs).toContainEqual({
      name: 'node-labels',
      value: 'example.com/accel=gpu,ksctl.io/pool=gpu',
    });
    const plain = parse(kubeadmJoinConfig({ ...input(undefined), caCertHash: CA_HASH }, false)) as typeof doc;
    expect(plain.nodeRegistration.taints).toBeUndefined();
  });

  it('a script never carries a label the kubelet may not set on itself (NodeRestriction)', () => {
    const bad = { ...input('gpu'), registration: { labels: { 'node-role.kubernetes.io/gpu': '' }, taints: [] } };
    expect(() => k3sConfig('agent', bad)).toThrow(InputError);
    expect(() => k3sConfig('agent', bad)).toThrow(/labels under kubernetes.io and k8s.io are reserved/);
  });
});

describe('the onboarding step', () => {
  it('asks the API for Ready, the providerID, the labels and taints; only then marks the worker bootstrapped', async () => {
    const spec = cloudSpec();
    const ctx = memoryContext(spec);
    const api = recordingNodeApi();
    const b = bootstrapOf(ctx, createSshProvider(), 'k3s', undefined, api);
    await ctx.cluster.update((s) => {
      s.machines['pl-gpu-0'] = {
        name: 'pl-gpu-0',
        role: 'worker',
        pool: 'gpu',
        sshPort: 22,
        sshUser: 'ubuntu',
        hostKeys: [],
        nodeProviderId: 'aws:///us-east-1a/i-0123456789abcdef0',
        status: 'running',
      };
    });
    const planned = machinePlanOf(spec).find((m) => m.name === 'pl-gpu-0')!;
    let joined = 0;
    await onboardStep(planned, [], () => void joined++).run(b);
    expect(api.asked.get('pl-gpu-0')).toEqual({
      labels: { 'example.com/accel': 'gpu', 'ksctl.io/pool': 'gpu' },
      taints: GPU.taints,
      providerID: 'aws:///us-east-1a/i-0123456789abcdef0',
    });
    expect(api.open()).toBe(0); // closed after use
    expect(ctx.cluster.state?.machines['pl-gpu-0']?.status).toBe('bootstrapped');
    expect(joined).toBe(1);
  });

  it('a failed check leaves the worker unjoined (a re-run checks again)', async () => {
    const spec = cloudSpec();
    const ctx = memoryContext(spec);
    const failing = {
      asked: new Map(),
      open: () => 0,
      factory: async () => ({
        waitOnboarded: async () => {
          throw new Error('node pl-gpu-0 did not pass the onboarding check: not Ready');
        },
        close: async () => undefined,
      }),
    };
    const b = bootstrapOf(ctx, createSshProvider(), 'k3s', undefined, failing);
    await ctx.cluster.update((s) => {
      s.machines['pl-gpu-0'] = {
        name: 'pl-gpu-0',
        role: 'worker',
        pool: 'gpu',
        sshPort: 22,
        sshUser: 'u',
        hostKeys: [],
        status: 'running',
      };
    });
    const planned = machinePlanOf(spec).find((m) => m.name === 'pl-gpu-0')!;
    await expect(onboardStep(planned, []).run(b)).rejects.toThrow(/not Ready/);
    expect(ctx.cluster.state?.machines['pl-gpu-0']?.status).toBe('running');
  });
});
