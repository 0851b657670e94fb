/**
 * Self-managed clusters' allowed CIDRs on day 2 (issue 13): the cloud's firewall rules that admit SSH
 * and the API (AWS security group ingress, Azure NSG rules, GCP firewall sourceRanges) brought to the
 * new list: rules for added ranges first, then the removed ranges' revoked, so access never gaps. One
 * recorded step; spec.network.allowCidrs follows once the cloud has the rules. The ssh provider's
 * machines sit behind the user's own firewall, not one of ksctl's: exit 2 saying so.
 */
import { describeAllowCidrs, withAllowCidrs } from '../../api/access-request.js';
import type { ClusterId, ClusterSpec } from '../../api/types.js';
import type { SelfManagedCloud } from '../../cloud/types.js';
import { InputError } from '../../errors.js';
import type { Step, StepContext } from '../../pipeline/types.js';
import type { ClusterState } from '../../state/types.js';
import { changeId, described, recordedState } from '../day-two.js';
import type { DayTwoResult } from '../index.js';
import type { SelfManagedManager } from './manager.js';

/** The change asked for, or exit 2 before any cloud call. */
function checked(s: ClusterState, p: SelfManagedCloud, allowCidrs: string[]): ClusterSpec {
  if (!p.updateAccess)
    throw new InputError(
      `the ${s.spec.provider} provider's machines are your own: ksctl made no firewall for them, so it has no rules to change`,
      ['spec.network.allowCidrs'],
      { hint: 'change who may reach SSH and port 6443 in your own firewall, and leave network.allowCidrs as it is' },
    );
  return withAllowCidrs(s.spec, allowCidrs);
}

function accessStep<C extends StepContext>(p: SelfManagedCloud, s: ClusterState, next: ClusterSpec): Step<C> {
  const cidrs = next.network.allowCidrs;
  return {
    id: `${changeId('access', s)}/firewall`,
    title: 'Set who may reach SSH and the API in the firewall rules',
    needs: [],
    target: `${s.spec.provider} firewall of ${s.spec.name}`,
    details: { from: describeAllowCidrs(s.spec.network.allowCidrs), to: describeAllowCidrs(cidrs), ports: [22, 6443] },
    run: async (ctx) => {
      await p.updateAccess!(ctx, cidrs);
      // In the same step, once the cloud has the rules: a crash before it leaves the old list in
      // state, and the re-run brings the (idempotent) rules to the new one again.
      await ctx.cluster.update((st) => {
        st.spec.network.allowCidrs = [...cidrs];
      });
    },
  };
}

export async function updateSelfManagedAccess(
  mgr: SelfManagedManager,
  id: ClusterId,
  allowCidrs: string[],
  opts: { dryRun?: boolean },
): Promise<DayTwoResult> {
  if (opts.dryRun) {
    const s = await recordedState(mgr.deps, id);
    const { provider } = await mgr.planSource(s.spec);
    return { steps: described([accessStep(provider, s, checked(s, provider, allowCidrs))]) };
  }
  let steps: Step[] = [];
  await mgr.operation(id, undefined, (machinery) => ({
    kind: 'update',
    preflight: async (h) => void checked(h.state!, (await machinery(h)).provider, allowCidrs),
    plan: async (h) => {
      const m = await machinery(h);
      const s = h.state!;
      const step = accessStep(m.provider, s, checked(s, m.provider, allowCidrs));
      steps = [step];
      return { steps: [step], ctx: mgr.context(h, s.spec, m), result: undefined };
    },
  }));
  return { steps: described(steps) };
}
