/**
 * The work behind `apply -f`: resolve the file as `create` does, read the cluster's state, compute the
 * plan (managers/apply) and print it. A plan with fields that cannot change in place, or a version
 * change, exits 2 naming them. Carrying a plan out lands with `ksctl scale`: until then apply shows it
 * (`--dry-run`) and changes nothing.
 */
import { applyDefaults } from '../api/defaults.js';
import { readClusterFile } from '../api/file.js';
import { inputFromEnv, mergeInputs } from '../api/input.js';
import { assertValidSpec } from '../api/validate.js';
import { clusterIdOf, formatClusterId } from '../api/types.js';
import { InputError, NotFoundError } from '../errors.js';
import { computeApplyPlan } from '../managers/apply/diff.js';
import { assertApplicable } from '../managers/apply/refuse.js';
import { renderPlan } from '../managers/apply/render.js';
import { isEmptyPlan } from '../managers/apply/types.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { ApplyFlags } from './apply.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import { printData } from './output.js';
import { missingError, missingRequired } from './spec-input.js';
import { sshConfigOptions } from './ssh-config.js';

export async function applyCluster(flags: ApplyFlags, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  const io = cenv.io(g);
  const input = mergeInputs(inputFromEnv(cenv.env), await readClusterFile(flags.file));
  const missing = missingRequired(input);
  if (missing.length > 0) throw missingError(missing);
  const spec = assertValidSpec(
    applyDefaults(input, await sshConfigOptions(input.provider, input.ssh?.configFile, cenv.env)),
  );
  const id = clusterIdOf(spec);
  const state = await new KsctlManager(managerDeps(g, cenv, io)).describe(id).catch((e: unknown) => {
    if (e instanceof NotFoundError)
      throw new NotFoundError(`cluster ${formatClusterId(id)} does not exist`, {
        hint: `create it first: ksctl create cluster -f ${flags.file}`,
      });
    throw e;
  });
  if (state.phase !== 'ready')
    io.err(
      `note: cluster ${formatClusterId(id)} is ${state.phase}: the plan compares with what state records; re-run ksctl create cluster -f ${flags.file} to finish it first`,
    );
  const plan = computeApplyPlan(state, spec);
  // Colour only when the plan goes to a terminal: a plan saved to a file stays plain text.
  const color = io.color && !!process.stdout.isTTY;
  await printData(io, g.output, plan, () => renderPlan(plan, { color }).trimEnd());
  assertApplicable(plan);
  if (!flags.dryRun && !isEmptyPlan(plan)) {
    throw new InputError('applying a plan is not available in this build yet: nothing was changed', ['--dry-run'], {
      hint: "run with --dry-run to review the plan; meanwhile 'ksctl add worker' and 'ksctl delete worker' change worker counts",
    });
  }
}
