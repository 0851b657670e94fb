/** The work behind `upgrade cluster`: flags and the version checked before any lock or machine is touched. */
import { upgradeRequest } from '../api/upgrade-flags.js';
import { checkUpgrade, checkUpgradeMode } from '../api/upgrade.js';
import { formatClusterId } from '../api/types.js';
import { InterruptedError } from '../errors.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import { printData } from './output.js';
import { sudoPasswordFor } from './sudo-password.js';
import type { UpgradeClusterFlags } from './upgrade.js';

export async function upgradeCluster(
  name: string,
  flags: UpgradeClusterFlags,
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  const req = upgradeRequest(flags); // bad flags: exit 2 before anything is read
  const io = cenv.io({ ...g, yes: g.yes || !!flags.yes });
  const ksctl = new KsctlManager(managerDeps(g, cenv, io));
  const id = await ksctl.resolve(name, flags);
  const state = await ksctl.describe(id);
  const { lifecycleFor } = await import('../managers/index.js');
  checkUpgradeMode(state.type, !!req.inPlace);
  if (state.type === 'selfmanaged') {
    const { checkUpgradeRequest } = await import('../managers/selfmanaged/upgrade.js');
    checkUpgradeRequest(state, req);
  } else if (state.versions.kubernetes) {
    checkUpgrade(state.spec.provider, state.type, state.versions.kubernetes, req.to);
  }
  const from = state.versions.kubernetes ?? state.spec.kubernetesVersion ?? 'its current version';
  if (req.dryRun) {
    const r = await (await lifecycleFor(state.type, managerDeps(g, cenv, io))).upgrade(id, req);
    await printData(io, g.output, { cluster: id, from, to: req.to, dryRun: true, steps: r.steps }, () =>
      [
        `Upgrade of ${formatClusterId(id)} from ${from} to ${req.to} (dry run: nothing changed):`,
        ...r.steps.map((s, i) => {
          const scripts = (s.details?.scripts as { machine: string; name: string }[] | undefined) ?? [];
          const run = scripts.length ? ` [${scripts.map((x) => `${x.name}@${x.machine}`).join(', ')}]` : '';
          return `  ${i + 1}. ${s.title}${run}`;
        }),
      ].join('\n'),
    );
    return;
  }
  if (io.interactive) {
    const ok = await io.prompt
      .confirm({ message: `Upgrade ${formatClusterId(id)} from ${from} to ${req.to}?`, default: false })
      .catch(() => false);
    if (!ok) throw new InterruptedError('cancelled: nothing was changed');
  }
  const sudoPassword = await sudoPasswordFor(state.spec, io, cenv.env);
  const progress = io.progress();
  let steps;
  try {
    const lifecycle = await lifecycleFor(state.type, {
      ...managerDeps(g, cenv, io, progress),
      ...(sudoPassword ? { sudoPassword } : {}),
    });
    steps = (await lifecycle.upgrade(id, req)).steps;
  } finally {
    await progress.close();
  }
  await printData(
    io,
    g.output,
    { cluster: id, from, to: req.to, steps: steps.map((s) => s.id) },
    () => `Cluster ${formatClusterId(id)} upgraded from ${from} to ${req.to}.`,
  );
}
