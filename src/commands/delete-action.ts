/** The work behind `delete cluster`. */
import { formatClusterId } from '../api/types.js';
import { InterruptedError } from '../errors.js';
import { lifecycleFor } from '../managers/index.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import type { SelectFlags } from './get.js';
import { printData } from './output.js';
import { sudoPasswordFor } from './sudo-password.js';

export async function deleteCluster(
  name: string,
  flags: SelectFlags & { yes?: boolean },
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  const io = cenv.io({ ...g, yes: g.yes || !!flags.yes });
  const ksctl = new KsctlManager(managerDeps(g, cenv, io));
  const id = await ksctl.resolve(name, flags);
  const state = await ksctl.describe(id);
  if (io.interactive) {
    const ok = await io.prompt
      .confirm({ message: `Delete cluster ${formatClusterId(id)} and all its resources?`, default: false })
      .catch(() => false);
    if (!ok) throw new InterruptedError('cancelled: nothing was deleted');
  }
  const sudoPassword = await sudoPasswordFor(state.spec, io, cenv.env);
  const progress = io.progress();
  try {
    await (
      await lifecycleFor(state.type, {
        ...managerDeps(g, cenv, io, progress),
        ...(sudoPassword ? { sudoPassword } : {}),
      })
    ).delete(id);
  } finally {
    await progress.close();
  }
  await printData(io, g.output, { deleted: id }, () => `Cluster ${formatClusterId(id)} deleted.`);
}
