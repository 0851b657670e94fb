/**
 * The work behind `apply -f`: resolve the file as `create` does, read the cluster's state, compute the
 * plan (managers/apply) and print it. A plan with fields that cannot change in place, or a version
 * change, exits 2 naming them; `--dry-run` stops after the plan; on a terminal the plan is confirmed;
 * then managers/apply/execute.ts carries it out through the cluster's lifecycle.
 */
import { applyDefaults } from '../api/defaults.js';
import { drainFlagsOf } from '../api/drain-input.js';
import { readClusterFile } from '../api/file.js';
import { inputFromEnv, mergeInputs } from '../api/input.js';
import { assertValidSpec } from '../api/validate.js';
import { clusterIdOf, formatClusterId, type ClusterSpec } from '../api/types.js';
import { NotFoundError } from '../errors.js';
import type { IoHost } from '../io/types.js';
import { computeApplyPlan } from '../managers/apply/diff.js';
import { applyCalls, executeApplyPlan, type ApplyResult } from '../managers/apply/execute.js';
import { assertApplicable } from '../managers/apply/refuse.js';
import { renderPlan } from '../managers/apply/render.js';
import type { ApplyPlan } from '../managers/apply/types.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { ApplyFlags } from './apply.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { confirmOrStop, withLifecycle } from './day2.js';
import { managerDeps } from './deps.js';
import { printData } from './output.js';
import { poolChangeData, poolChangeLines } from './pool-output.js';
import { missingError, missingRequired } from './spec-input.js';
import { sshConfigOptions } from './ssh-config.js';

async function fileSpec(flags: ApplyFlags, cenv: CommandEnv): Promise<ClusterSpec> {
  const input = mergeInputs(inputFromEnv(cenv.env), await readClusterFile(flags.file));
  const missing = missingRequired(input);
  if (missing.length > 0) throw missingError(missing);
  return assertValidSpec(applyDefaults(input, await sshConfigOptions(input.provider, input.ssh?.configFile, cenv.env)));
}

async function clusterState(flags: ApplyFlags, spec: ClusterSpec, g: GlobalOptions, cenv: CommandEnv, io: IoHost) {
  const id = clusterIdOf(spec);
  return new KsctlManager(managerDeps(g, cenv, io)).describe(id).catch((e: unknown) => {
    if (e instanceof NotFoundError)
      throw new NotFoundError(`cluster ${formatClusterId(id)} does not exist`, {
        hint: `create it first: ksctl create cluster -f ${flags.file}`,
      });
    throw e;
  });
}

export async function applyCluster(flags: ApplyFlags, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  const io = cenv.io(g);
  const drain = drainFlagsOf(flags);
  const spec = await fileSpec(flags, cenv);
  const state = await clusterState(flags, spec, g, cenv, io);
  if (state.phase !== 'ready')
    io.err(
      `note: cluster ${formatClusterId(state.id)} is ${state.phase}: the plan compares with what state records; re-run ksctl create cluster -f ${flags.file} to finish it first`,
    );
  const plan = computeApplyPlan(state, spec);
  const calls = applyCalls(plan);
  const runs = !flags.dryRun && plan.refused.length === 0 && !plan.upgrade && (calls.pools || calls.access);
  // Colour only when the plan goes to a terminal: a plan saved to a file stays plain text.
  const color = io.color && !!process.stdout.isTTY;
  const table = !g.output || g.output === 'table';
  // Data output is one document: the plan alone when nothing runs, the plan and its result otherwise.
  if (table || !runs) await printData(io, g.output, plan, () => renderPlan(plan, { color }).trimEnd());
  assertApplicable(plan);
  if (!runs) return;

  // With -o json|yaml the plan goes out once, with its result: a person asked sees it on stderr first.
  if (!table && io.interactive) io.err(renderPlan(plan, { color: io.color }).trimEnd());
  await confirmOrStop(io, `Apply this plan to cluster ${formatClusterId(plan.cluster)}?`);
  const applied = await withLifecycle(g, cenv, io, state, (lifecycle) =>
    executeApplyPlan(lifecycle, plan, spec, drain),
  );
  await printData(io, g.output, { ...plan, applied: appliedData(plan, applied) }, () =>
    [`Applied the plan to cluster ${formatClusterId(plan.cluster)}.`, ...resultLines(spec, applied)].join('\n'),
  );
}

function appliedData(plan: ApplyPlan, r: ApplyResult) {
  return {
    ...(r.pools ? { pools: poolChangeData(plan.cluster, r.pools, false) } : {}),
    ...(r.access ? { access: { steps: r.access.steps } } : {}),
  };
}

function resultLines(spec: ClusterSpec, r: ApplyResult): string[] {
  const lines = r.pools ? poolChangeLines(r.pools) : [];
  if (r.access)
    lines.push(
      `  allowed CIDRs: ${spec.network.allowCidrs.length ? spec.network.allowCidrs.join(', ') : "the operator's address found at create"}`,
    );
  return lines;
}
