/**
 * The scripts each step would run, for `--dry-run`. Only possible when addresses are known before
 * anything exists (the ssh provider); cloud machines get their addresses at creation.
 */
import type { ClusterSpec, Role } from '../../api/types.js';
import { privateAddress } from '../../distro/controllers/types.js';
import { etcdMemberScript } from '../../distro/scripts/etcd.js';
import { haproxyScript } from '../../distro/scripts/haproxy.js';
import { hostFactsScript } from '../../distro/scripts/host-facts.js';
import type { Script } from '../../distro/scripts/types.js';
import type { Machine } from '../../state/types.js';
import { HOST_PREFLIGHT_STEP } from './host-preflight.js';
import { lbHealthCheck } from './infra-steps.js';
import type { BootstrapRuntime } from './runtime.js';

export function describeScripts(spec: ClusterSpec, rt: BootstrapRuntime): Record<string, { name: string; description: string; body: string }[]> {
  if (spec.provider !== 'ssh') return {};
  const machines: Machine[] = spec.machines.map((m) => ({ name: m.name, role: m.role, publicAddress: m.address, privateAddress: m.privateAddress ?? m.address, sshPort: m.port, sshUser: m.user, hostKeys: [], status: 'pending' }));
  const by = (r: Role) => machines.filter((m) => m.role === r);
  const t = { spec, loadBalancer: by('loadbalancer')[0]!, etcd: by('etcd'), controlPlanes: by('controlplane'), workers: by('worker') };
  const show = (s: Script[]) => s.map((x) => ({ name: x.name, description: x.description, body: x.body }));
  const out: Record<string, { name: string; description: string; body: string }[]> = {};
  const airgap = spec.airgap.enabled ? { airgap: {} } : {};
  const release = spec.etcd.release ? { release: spec.etcd.release } : {};
  out[HOST_PREFLIGHT_STEP] = show([hostFactsScript()]);
  out[`lb/${t.loadBalancer.name}`] = show([haproxyScript({ controlPlanes: t.controlPlanes.map((c) => ({ name: c.name, address: privateAddress(c) })), ...lbHealthCheck(spec.distribution), ...airgap })]);
  for (const e of t.etcd) {
    out[`etcd/${e.name}`] = show([etcdMemberScript({ cluster: spec.name, name: e.name, address: privateAddress(e), members: t.etcd.map((x) => ({ name: x.name, address: privateAddress(x) })), ...release, ...airgap })]);
  }
  // Join scripts need generated secrets (CA hash) only at run time; their names are enough here.
  void rt;
  return out;
}
