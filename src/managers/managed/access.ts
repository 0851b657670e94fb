/**
 * Managed clusters' API access ranges on day 2 (issue 13, "allowed CIDRs changed"): EKS
 * publicAccessCidrs, AKS authorized IP ranges, GKE authorized networks. One recorded step, the
 * cloud's change (waited on until the cloud reports it done); the recorded spec.network.allowCidrs
 * follows once it is. kind's API server listens on this machine only: nothing to change (exit 2).
 */
import { describeAllowCidrs, withAllowCidrs } from '../../api/access-request.js';
import type { ClusterId, ClusterSpec } from '../../api/types.js';
import { loadProvider } from '../../cloud/registry.js';
import type { ManagedCloud } from '../../cloud/types.js';
import { InputError } from '../../errors.js';
import type { Step } from '../../pipeline/types.js';
import type { ClusterState } from '../../state/types.js';
import { changeId, described, recordedState } from '../day-two.js';
import type { DayTwoResult } from '../index.js';
import { runOperation, stepContext } from '../operation.js';
import type { ManagerDeps } from '../types.js';

/** The change asked for, or exit 2 before any cloud call: bad CIDRs, kind, a cloud without the call. */
function checked(s: ClusterState, allowCidrs: string[]): ClusterSpec {
  if (s.spec.provider === 'local')
    throw new InputError(
      'kind clusters are local: their API server listens on this machine only, so there is no access list to change',
      ['spec.network.allowCidrs'],
      { hint: 'leave network.allowCidrs out of a kind cluster file' },
    );
  return withAllowCidrs(s.spec, allowCidrs);
}

async function provider(deps: ManagerDeps, spec: ClusterSpec): Promise<ManagedCloud> {
  const p = await loadProvider(spec.provider, 'managed', deps.providerHooks);
  if (p.kind !== 'managed') throw new Error(`provider ${spec.provider} registered as managed is not`);
  if (!p.updateAccess)
    throw new InputError(`${spec.provider} managed clusters cannot change their API access list`, [
      'spec.network.allowCidrs',
    ]);
  return p;
}

function accessStep(p: ManagedCloud, s: ClusterState, next: ClusterSpec): Step {
  const cidrs = next.network.allowCidrs;
  return {
    id: `${changeId('access', s)}/api`,
    title: 'Set who may reach the API endpoint',
    needs: [],
    target: s.spec.name,
    details: { from: describeAllowCidrs(s.spec.network.allowCidrs), to: describeAllowCidrs(cidrs) },
    run: async (ctx) => {
      await p.updateAccess!(ctx, cidrs);
      // Recorded once the cloud reports the change done, in the same step: a crash before this line
      // leaves the old list in state and the re-run makes the (idempotent) change again.
      await ctx.cluster.update((st) => {
        st.spec.network.allowCidrs = [...cidrs];
      });
    },
  };
}

export async function updateManagedAccess(
  deps: ManagerDeps,
  id: ClusterId,
  allowCidrs: string[],
  opts: { dryRun?: boolean },
): Promise<DayTwoResult> {
  if (opts.dryRun) {
    const s = await recordedState(deps, id);
    const next = checked(s, allowCidrs);
    return { steps: described([accessStep(await provider(deps, s.spec), s, next)]) };
  }
  let steps: Step[] = [];
  await runOperation(deps, {
    kind: 'update',
    id,
    preflight: async (h) => void checked(h.state!, allowCidrs),
    plan: async (h) => {
      const s = h.state!;
      steps = [accessStep(await provider(deps, s.spec), s, checked(s, allowCidrs))];
      return { steps, ctx: stepContext(deps, h, s.spec), result: undefined };
    },
  });
  return { steps: described(steps) };
}
