/**
 * The host preflight: kubelet ≥ 1.35 refuses cgroup v1, so every future node is checked before
 * anything is installed anywhere, and the operator's consent (spec.kubelet.allowCgroupV1) is the way on.
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import type { ClusterSpec } from '../../src/api/types.js';
import { createSshProvider } from '../../src/cloud/ssh/index.js';
import type { SelfManagedCloud } from '../../src/cloud/types.js';
import { parseHostFacts } from '../../src/distro/scripts/host-facts.js';
import type { SshPool, SshSession, SshTarget } from '../../src/distro/ssh/types.js';
import { PrerequisiteError } from '../../src/errors.js';
import { cgroupVerdict, hostPreflightStep } from '../../src/managers/selfmanaged/steps/host-preflight.js';
import { stepId } from '../../src/managers/selfmanaged/steps/ids.js';
import { buildCreatePlan } from '../../src/managers/selfmanaged/plans/create.js';
import { specDifferences } from '../../src/managers/spec-drift.js';
import { validateSpec } from '../../src/api/validate.js';
import { ClusterFileSchema } from '../../src/api/v1alpha1/schema.js';
import { memoryContext } from '../fakes/memory-cluster.js';
import type { StepContext } from '../../src/pipeline/types.js';
import { bootstrapOf, planSourceOf } from '../helpers/bootstrap.js';

const HOST_PREFLIGHT_STEP = stepId.hostPreflight;

/** Machines answer the host-facts script with their cgroup filesystem; any other script fails the test. */
function pool(cgroupFs: Record<string, string>): SshPool & { scripts: string[] } {
  const scripts: string[] = [];
  return {
    scripts,
    async session(target: SshTarget): Promise<SshSession> {
      return {
        target,
        hostKey: 'ssh-ed25519 AAAA',
        async exec(_cmd, opts) {
          const name = /^# ksctl ([\w.-]+):/m.exec(String(opts?.stdin ?? ''))?.[1] ?? '';
          scripts.push(`${target.name}:${name}`);
          if (name !== 'host-facts') throw new Error(`unexpected script ${name}`);
          return { code: 0, stdout: `cgroup-fs ${cgroupFs[target.name]}\n`, stderr: '' };
        },
        upload: async () => undefined,
        download: async () => Buffer.from(''),
        downloadTo: async () => 0,
        close: () => undefined,
      };
    },
    closeAll: () => undefined,
  };
}

function world(cgroupFs: Record<string, string>, allowCgroupV1: boolean) {
  const spec = applyDefaults({ name: 'demo', provider: 'ssh', type: 'selfmanaged', kubelet: { allowCgroupV1 } });
  const p = pool(cgroupFs);
  const provider = { sshPrivateKey: async () => 'KEY' } as unknown as SelfManagedCloud;
  const ctx = bootstrapOf(memoryContext(spec), provider, 'kubeadm', p);
  const names = Object.keys(cgroupFs);
  const machines = names.map((name, index) => ({
    name,
    role: name.startsWith('cp') ? ('controlplane' as const) : ('worker' as const),
    size: '',
    spot: false,
    index,
  }));
  return { ctx, p, machines };
}

async function seed(ctx: StepContext, names: string[]) {
  await ctx.cluster.update((s) => {
    for (const name of names)
      s.machines[name] = {
        name,
        role: 'worker',
        publicAddress: '192.0.2.1',
        sshPort: 22,
        sshUser: 'root',
        hostKeys: ['ssh-ed25519 AAAA'],
        status: 'running',
      };
  });
}

describe('cgroup verdict', () => {
  it('passes cgroup v2 everywhere', () => {
    expect(cgroupVerdict([{ machine: 'cp-0', cgroupFs: 'cgroup2fs' }], false)).toBeUndefined();
  });

  it('names every cgroup v1 machine, says nothing was installed and how to proceed', () => {
    const e = cgroupVerdict(
      [
        { machine: 'cp-0', cgroupFs: 'cgroup2fs' },
        { machine: 'w-0', cgroupFs: 'tmpfs' },
        { machine: 'w-1', cgroupFs: 'unknown' },
      ],
      false,
    )!;
    expect(e).toBeInstanceOf(PrerequisiteError);
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      'machines w-0 (/sys/fs/cgroup is tmpfs), w-1 (/sys/fs/cgroup is unknown) have no cgroup v2: the kubelet of Kubernetes 1.35 and later refuses to start on cgroup v1; nothing was installed',
    );
    expect(e.hint).toContain('spec.kubelet.allowCgroupV1: true');
    expect(e.hint).toContain('systemd.unified_cgroup_hierarchy=1');
  });

  it('accepts cgroup v1 with the consent', () => {
    expect(cgroupVerdict([{ machine: 'w-0', cgroupFs: 'tmpfs' }], true)).toBeUndefined();
  });

  it.each([
    ['cgroup-fs cgroup2fs\n', 'cgroup2fs'],
    ['noise\ncgroup-fs tmpfs\n', 'tmpfs'],
    ['', 'unknown'],
  ])('parses %j', (out, fs) => {
    expect(parseHostFacts(out).cgroupFs).toBe(fs);
  });
});

describe('host preflight step', () => {
  it('refuses when a machine runs cgroup v1, after asking every machine once', async () => {
    const w = world({ 'cp-0': 'cgroup2fs', 'w-0': 'tmpfs' }, false);
    await seed(w.ctx, ['cp-0', 'w-0']);
    const step = hostPreflightStep(w.machines, []);
    await expect(step.run(w.ctx)).rejects.toThrow(/^machine w-0 \(\/sys\/fs\/cgroup is tmpfs\) has no cgroup v2/);
    expect(w.p.scripts.sort()).toEqual(['cp-0:host-facts', 'w-0:host-facts']);
  });

  it('goes on with the consent', async () => {
    const w = world({ 'cp-0': 'tmpfs' }, true);
    await seed(w.ctx, ['cp-0']);
    await expect(hostPreflightStep(w.machines, []).run(w.ctx)).resolves.toBeUndefined();
  });
});

describe('create plan', () => {
  const spec = applyDefaults({
    name: 'demo',
    provider: 'ssh',
    type: 'selfmanaged',
    distribution: 'kubeadm',
    machines: [
      { role: 'loadbalancer', address: '192.0.2.1', name: 'lb-0' },
      ...[0, 1, 2].map((i) => ({ role: 'etcd' as const, address: `192.0.2.1${i}`, name: `etcd-${i}` })),
      { role: 'controlplane', address: '192.0.2.20', name: 'cp-0' },
      { role: 'worker', address: '192.0.2.30', name: 'w-0' },
    ],
  });
  const source = planSourceOf(createSshProvider(), 'kubeadm');
  const steps = buildCreatePlan(spec, source);
  const byId = (id: string) => steps.find((s) => s.id === id)!;

  it('checks the kubelet machines, and only them, once they answer', () => {
    expect(byId(HOST_PREFLIGHT_STEP).needs.sort()).toEqual(['machine/cp-0', 'machine/w-0']);
  });

  it('cloud VMs: HAProxy and etcd do not wait for the last VM to boot, but Kubernetes goes nowhere before the check', () => {
    const cloudLike = { ...source.provider, provider: 'aws' } as SelfManagedCloud;
    const plan = buildCreatePlan(spec, { ...source, provider: cloudLike });
    const step = (id: string) => plan.find((s) => s.id === id)!;
    expect(step('lb/lb-0').needs).not.toContain(HOST_PREFLIGHT_STEP);
    expect(step('pki/etcd').needs).not.toContain(HOST_PREFLIGHT_STEP);
    expect(step('controlplane/cp-0').needs).toContain(HOST_PREFLIGHT_STEP);
    expect(step('worker/w-0').needs).toContain('controlplane/cp-0');
  });

  it('bring-your-own machines: nothing anywhere before the check (the LB and the etcd PKI wait for it, the rest follows them)', () => {
    expect(byId('lb/lb-0').needs).toContain(HOST_PREFLIGHT_STEP);
    expect(byId('pki/etcd').needs).toContain(HOST_PREFLIGHT_STEP);
    const before = new Set<string>();
    const visit = (id: string) => {
      for (const n of byId(id).needs) {
        if (before.has(n)) continue;
        before.add(n);
        visit(n);
      }
    };
    for (const s of steps.filter((x) => /^(lb|etcd|controlplane|worker)\//.test(x.id))) {
      before.clear();
      visit(s.id);
      expect(before.has(HOST_PREFLIGHT_STEP), s.id).toBe(true);
    }
  });
});

describe('spec drift', () => {
  const spec = (over: Partial<ClusterSpec> = {}): ClusterSpec => ({
    ...applyDefaults({ name: 'demo', provider: 'aws', type: 'selfmanaged' }),
    ...over,
  });

  it('lets a resumed create give the cgroup v1 consent (or a recorded spec lack the field)', () => {
    expect(specDifferences(spec(), spec({ kubelet: { allowCgroupV1: true } }))).toEqual([]);
    const { kubelet: _k, ...old } = spec();
    expect(specDifferences(old as ClusterSpec, spec({ kubelet: { allowCgroupV1: true } }))).toEqual([]);
  });

  it('still reports real differences', () => {
    expect(specDifferences(spec(), spec({ region: 'us-west-2', kubelet: { allowCgroupV1: true } }))).toEqual([
      'region',
    ]);
  });
});

describe('spec.kubelet.allowCgroupV1', () => {
  it('defaults to false and is accepted for self-managed clusters', () => {
    expect(applyDefaults({ name: 'demo', provider: 'aws', type: 'selfmanaged' }).kubelet).toEqual({
      allowCgroupV1: false,
    });
    expect(
      validateSpec(
        applyDefaults({ name: 'demo', provider: 'aws', type: 'selfmanaged', kubelet: { allowCgroupV1: true } }),
      ),
    ).toEqual([]);
  });

  it('is refused on managed clusters, naming the field', () => {
    expect(
      validateSpec(applyDefaults({ name: 'demo', provider: 'gcp', type: 'managed', kubelet: { allowCgroupV1: true } })),
    ).toEqual([
      {
        path: 'spec.kubelet.allowCgroupV1',
        message: 'applies to self-managed clusters only (the cloud or kind runs the kubelet): remove it',
      },
    ]);
  });

  it('is a boolean in the cluster file, and nothing else is allowed under kubelet', () => {
    const file = (kubelet: unknown) =>
      ClusterFileSchema.safeParse({ apiVersion: 'ksctl.io/v1alpha1', kind: 'Cluster', spec: { kubelet } }).success;
    expect(file({ allowCgroupV1: true })).toBe(true);
    expect(file({ allowCgroupV1: 'yes' })).toBe(false);
    expect(file({ failCgroupV1: false })).toBe(false);
  });
});
