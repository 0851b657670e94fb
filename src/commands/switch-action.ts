/** The work behind `switch <name>` (shared by the commander action and the fast path, src/cli/fast.ts). */
import { KsctlManager } from '../managers/ksctl.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import type { SelectFlags } from './get.js';
import { printData } from './output.js';

export async function switchCluster(
  name: string,
  flags: SelectFlags,
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  const io = cenv.io(g);
  const ksctl = new KsctlManager(managerDeps(g, cenv, io));
  const r = await ksctl.switch(await ksctl.resolve(name, flags));
  await printData(io, g.output, r, () => `Switched to context "${r.context}".`);
}
