/**
 * The external etcd's CA and certificates. Needs only the etcd machines: it reads those, not the whole
 * topology, which would throw while the load balancer's machine (not among its needs) is starting.
 */
import type { PlannedMachine } from '../../../cloud/types.js';
import { ensureEtcdPki } from '../../../distro/cluster-secrets.js';
import { privateAddress } from '../../../distro/controllers/types.js';
import { stepId } from './ids.js';
import { noScripts, type BootstrapStep } from './types.js';

export function etcdPkiStep(members: PlannedMachine[]): BootstrapStep {
  return {
    id: stepId.etcdPki,
    title: `Generate the etcd CA and certificates (${members.length} members)`,
    needs: members.map((m) => stepId.machine(m.name)),
    describe: noScripts,
    async run(ctx) {
      const etcd = ctx.machinesOf('etcd');
      await ensureEtcdPki(
        ctx.cluster.secrets,
        ctx.spec.name,
        etcd.map((e) => ({
          name: e.name,
          addresses: [...new Set([privateAddress(e), e.publicAddress].filter((a): a is string => !!a))],
        })),
        { validityDays: ctx.certValidityDays },
      );
    },
  };
}
