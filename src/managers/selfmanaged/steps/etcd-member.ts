/** One external etcd member: its certificates, the etcd release and its systemd unit. */
import type { PlannedMachine } from '../../../cloud/types.js';
import { privateAddress } from '../../../distro/controllers/types.js';
import { etcdMemberScript } from '../../../distro/scripts/etcd.js';
import type { Machine } from '../../../state/types.js';
import type { BootstrapView } from '../context.js';
import { stepId } from './ids.js';
import { markBootstrapped, type BootstrapStep } from './types.js';

function scriptsFor(v: BootstrapView, me: Machine) {
  const spec = v.spec;
  return [
    etcdMemberScript({
      cluster: spec.name,
      name: me.name,
      address: privateAddress(me),
      members: v.machinesOf('etcd').map((e) => ({ name: e.name, address: privateAddress(e) })),
      ...(spec.etcd.release ? { release: spec.etcd.release } : {}),
      ...(spec.airgap.enabled ? { airgap: {} } : {}),
    }),
  ];
}

export function etcdMemberStep(m: PlannedMachine): BootstrapStep {
  return {
    id: stepId.etcdMember(m.name),
    title: `etcd member ${m.name}`,
    needs: [stepId.etcdPki],
    target: m.name,
    describe: async (v) => [{ machine: m.name, scripts: scriptsFor(v, v.machine(m.name)) }],
    async run(ctx) {
      const me = ctx.machine(m.name);
      await ctx.exec(me, scriptsFor(ctx, me));
      await markBootstrapped(ctx, m.name);
    },
  };
}
