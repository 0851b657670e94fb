/** The external etcd answers over TLS with every member (checked from the first member). */
import type { PlannedMachine } from '../../../cloud/types.js';
import { privateAddress } from '../../../distro/controllers/types.js';
import { etcdHealthScript } from '../../../distro/scripts/etcd.js';
import type { BootstrapView } from '../context.js';
import { stepId } from './ids.js';
import type { BootstrapStep } from './types.js';

const scriptsFor = (v: BootstrapView) => [
  etcdHealthScript({ members: v.machinesOf('etcd').map((e) => ({ name: e.name, address: privateAddress(e) })) }),
];

export function etcdHealthStep(members: PlannedMachine[]): BootstrapStep {
  return {
    id: stepId.etcdHealth,
    title: `etcd cluster healthy (${members.length} members over TLS)`,
    needs: members.map((m) => stepId.etcdMember(m.name)),
    describe: async (v) => [{ machine: v.machinesOf('etcd')[0]!.name, scripts: scriptsFor(v) }],
    async run(ctx) {
      await ctx.exec(ctx.machinesOf('etcd')[0]!, scriptsFor(ctx));
    },
  };
}
