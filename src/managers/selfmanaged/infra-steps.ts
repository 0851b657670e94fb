/** Steps for the load balancer and the external etcd cluster (distribution independent). */
import type { Distribution } from '../../api/types.js';
import type { PlannedMachine } from '../../cloud/types.js';
import { privateAddress } from '../../distro/controllers/types.js';
import { ensureEtcdPki } from '../../distro/cluster-secrets.js';
import { etcdHealthScript, etcdMemberScript } from '../../distro/scripts/etcd.js';
import { haproxyScript } from '../../distro/scripts/haproxy.js';
import type { Step } from '../../pipeline/types.js';
import type { BootstrapRuntime } from './runtime.js';

/** k3s's API server refuses anonymous /readyz (401): its servers are checked at the supervisor's /ping. */
export function lbHealthCheck(distribution: Distribution | undefined): { healthCheckPath?: string } {
  return distribution === 'k3s' ? { healthCheckPath: '/ping' } : {};
}

export function lbStep(rt: BootstrapRuntime, lb: PlannedMachine, cps: PlannedMachine[]): Step {
  return {
    id: `lb/${lb.name}`,
    title: `Load balancer ${lb.name} (HAProxy :6443 → ${cps.length} control planes)`,
    needs: [`machine/${lb.name}`, ...cps.map((c) => `machine/${c.name}`)],
    target: lb.name,
    async run(ctx) {
      const t = rt.topology(ctx);
      const script = haproxyScript({
        controlPlanes: t.controlPlanes.map((c) => ({ name: c.name, address: privateAddress(c) })),
        ...lbHealthCheck(ctx.spec.distribution),
        ...(ctx.spec.airgap.enabled ? { airgap: {} } : {}),
      });
      await rt.run(ctx, t.loadBalancer, [script]);
      await ctx.cluster.update((s) => {
        const m = s.machines[lb.name];
        if (m) m.status = 'bootstrapped';
      });
    },
  };
}

/**
 * The etcd steps need only the etcd machines: they read those, not the whole topology, which would
 * throw while the load balancer's machine (not among their needs) is still starting.
 */
export function etcdSteps(rt: BootstrapRuntime, members: PlannedMachine[], cluster: string): { steps: Step[]; ready: string[] } {
  const pki: Step = {
    id: 'pki/etcd',
    title: `Generate the etcd CA and certificates (${members.length} members)`,
    needs: members.map((m) => `machine/${m.name}`),
    async run(ctx) {
      const etcd = rt.machinesOf(ctx, 'etcd');
      await ensureEtcdPki(ctx.cluster.secrets, cluster, etcd.map((e) => ({ name: e.name, addresses: [...new Set([privateAddress(e), e.publicAddress].filter((a): a is string => !!a))] })));
    },
  };
  const memberSteps: Step[] = members.map((m) => ({
    id: `etcd/${m.name}`,
    title: `etcd member ${m.name}`,
    needs: ['pki/etcd'],
    target: m.name,
    async run(ctx) {
      const etcd = rt.machinesOf(ctx, 'etcd');
      const me = rt.machine(ctx, m.name);
      const script = etcdMemberScript({
        cluster,
        name: me.name,
        address: privateAddress(me),
        members: etcd.map((e) => ({ name: e.name, address: privateAddress(e) })),
        ...(ctx.spec.etcd.release ? { release: ctx.spec.etcd.release } : {}),
        ...(ctx.spec.airgap.enabled ? { airgap: {} } : {}),
      });
      await rt.run(ctx, me, [script]);
      await ctx.cluster.update((s) => {
        const cur = s.machines[m.name];
        if (cur) cur.status = 'bootstrapped';
      });
    },
  }));
  const health: Step = {
    id: 'etcd/health',
    title: `etcd cluster healthy (${members.length} members over TLS)`,
    needs: memberSteps.map((s) => s.id),
    async run(ctx) {
      const etcd = rt.machinesOf(ctx, 'etcd');
      await rt.run(ctx, etcd[0]!, [etcdHealthScript({ members: etcd.map((e) => ({ name: e.name, address: privateAddress(e) })) })]);
    },
  };
  return { steps: [pki, ...memberSteps, health], ready: ['etcd/health'] };
}
