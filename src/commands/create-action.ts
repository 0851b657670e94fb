/** The work behind `create cluster`, loaded only when it runs. */
import { certValidityDays } from '../api/certs.js';
import { CLOUD_DEFAULT_VERSION } from '../api/catalog.js';
import { applyDefaults } from '../api/defaults.js';
import { readClusterFile } from '../api/file.js';
import { inputFromEnv, mergeInputs, type SpecInput } from '../api/input.js';
import { parseRestoreFlags } from '../api/restore-flags.js';
import { assertValidSpec } from '../api/validate.js';
import type { ClusterSpec } from '../api/types.js';
import { InterruptedError } from '../errors.js';
import type { Prompter } from '../io/types.js';
import { lifecycleFor } from '../managers/index.js';
import { waves } from '../pipeline/graph.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import { printData } from './output.js';
import { scriptLines } from './plan-scripts.js';
import { sshConfigOptions } from './ssh-config.js';
import { sudoPasswordFor } from './sudo-password.js';
import { inputFromFlags, missingError, missingRequired, type CreateFlags } from './spec-input.js';

/** `prompt`: the person to ask for what is missing (only when interactive), else missing values are exit 2. */
export async function resolveSpec(
  flags: CreateFlags,
  cenv: CommandEnv,
  prompt: Prompter | undefined,
  onSummary?: (s: ClusterSpec) => Promise<boolean>,
): Promise<ClusterSpec> {
  const file: SpecInput | undefined = flags.file ? await readClusterFile(flags.file) : undefined;
  let input = mergeInputs(inputFromFlags(flags), inputFromEnv(cenv.env), file);
  const missing = missingRequired(input);
  const interactive = prompt !== undefined;
  if (interactive) {
    const { promptForSpec } = await import('./prompts.js');
    input = await promptForSpec(input, prompt);
  } else if (missing.length > 0) {
    throw missingError(missing);
  }
  const spec = assertValidSpec(
    applyDefaults(input, await sshConfigOptions(input.provider, input.ssh?.configFile, cenv.env)),
  );
  if (interactive && onSummary && !(await onSummary(spec)))
    throw new InterruptedError('cancelled: nothing was created');
  return spec;
}

export async function createCluster(flags: CreateFlags, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  // A bad KSCTL_CERT_VALIDITY_DAYS is bad input: exit 2 before any prompt, state or cloud call.
  certValidityDays(cenv.env);
  const restoreRequest = await parseRestoreFlags(flags);
  const io = cenv.io(g);
  const spec = await resolveSpec(flags, cenv, io.interactive && !flags.dryRun ? io.prompt : undefined, async (s) => {
    const { summary, confirmCreate } = await import('./prompts.js');
    io.err(`\n${summary(s)}\n`);
    return confirmCreate(s, io.prompt);
  });

  // A create from a backup: the bundle read, checked and decrypted before any cloud call or state write.
  const restore = restoreRequest
    ? await (
        await import('../managers/backup/fresh-restore.js')
      ).FreshRestore.prepare(managerDeps(g, cenv, io), spec, restoreRequest)
    : undefined;

  if (flags.dryRun) {
    const lifecycle = await lifecycleFor(spec.type, managerDeps(g, cenv, io));
    const { resources, plan } = await lifecycle.plan(spec, restore ? { restore } : {});
    const steps = waves(plan.steps).map((wave, i) => ({
      wave: i + 1,
      parallel: wave.map((s) => ({
        id: s.id,
        title: s.title,
        needs: s.needs,
        ...(s.details ? { details: s.details } : {}),
      })),
    }));
    const from = restore && {
      backup: restore.manifest.name,
      cluster: restore.manifest.cluster,
      shape: restore.manifest.shape,
      createdAt: restore.manifest.createdAt,
    };
    await printData(io, g.output, { spec, resources, steps, ...(from ? { restore: from } : {}) }, () => {
      const version =
        spec.kubernetesVersion ?? (spec.provider === 'local' ? "kind's default node image" : CLOUD_DEFAULT_VERSION);
      const lines = [
        `Cluster ${spec.name} (${spec.provider}/${spec.region}, ${spec.type}) — dry run, nothing will be changed`,
        `Kubernetes: ${version}`,
        ...(from
          ? [
              `From backup ${from.backup} of ${from.cluster.name} (checked and decrypted): its etcd data restored onto the new etcd members before any control plane boots`,
            ]
          : []),
        '',
        'Resources:',
      ];
      for (const r of resources) lines.push(`  ${r.kind.padEnd(18)} ${r.name}`);
      lines.push('', 'Steps (each wave runs in parallel once the previous ones it needs are done):');
      for (const w of steps)
        for (const s of w.parallel)
          lines.push(`  [${w.wave}] ${s.title}${s.needs.length ? `   (after ${s.needs.join(', ')})` : ''}`);
      lines.push(...scriptLines(plan.steps));
      return lines.join('\n');
    });
    return;
  }

  // Asked before progress starts drawing: a prompt and listr2 must not share the terminal.
  const sudoPassword = await sudoPasswordFor(spec, io, cenv.env);
  const progress = io.progress();
  const lifecycle = await lifecycleFor(spec.type, {
    ...managerDeps(g, cenv, io, progress),
    ...(sudoPassword ? { sudoPassword } : {}),
  });
  let result;
  try {
    result = await lifecycle.create(spec, { switchContext: flags.switch !== false, ...(restore ? { restore } : {}) });
  } finally {
    await progress.close();
  }
  await printData(io, g.output, { id: result.id, context: result.context, kubeconfig: result.kubeconfigFiles }, () =>
    [
      `Cluster ${spec.name} is ready.`,
      restore
        ? `Restored from ${restore.manifest.name} of ${restore.manifest.cluster.name} (taken ${restore.manifest.createdAt}).`
        : '',
      result.context ? `kubeconfig context: ${result.context}${flags.switch !== false ? ' (current)' : ''}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
}
