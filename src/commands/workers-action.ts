/** The work behind `add worker` / `delete worker`: the cluster's manager does it all. */
import type { ClusterId } from '../api/types.js';
import type { ClusterLifecycle } from '../managers/index.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import type { SelectFlags } from './get.js';
import { printData } from './output.js';
import { sshConfigOptions } from './ssh-config.js';
import { sudoPasswordFor } from './sudo-password.js';
import type { AddWorkerFlags } from './workers.js';

/** Resolves the cluster, asks for sudo's password (before progress draws), runs `work` with its manager. */
async function day2<T>(
  g: GlobalOptions,
  cenv: CommandEnv,
  cluster: string,
  flags: SelectFlags,
  work: (lifecycle: ClusterLifecycle, id: ClusterId) => Promise<T>,
) {
  const io = cenv.io(g);
  const ksctl = new KsctlManager(managerDeps(g, cenv, io));
  const id = await ksctl.resolve(cluster, flags);
  const state = await ksctl.describe(id);
  const sudoPassword = await sudoPasswordFor(state.spec, io, cenv.env);
  const progress = io.progress();
  const { lifecycleFor } = await import('../managers/index.js');
  try {
    const lifecycle = await lifecycleFor(state.type, {
      ...managerDeps(g, cenv, io, progress),
      ...(sudoPassword ? { sudoPassword } : {}),
    });
    return { io, id, result: await work(lifecycle, id) };
  } finally {
    await progress.close();
  }
}

export async function addWorker(cluster: string, f: AddWorkerFlags, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  const {
    io,
    id,
    result: names,
  } = await day2(g, cenv, cluster, f, (lifecycle, id) =>
    lifecycle.addWorker(id, f, (spec) => sshConfigOptions(spec.provider, spec.ssh.configFile, cenv.env)),
  );
  await printData(io, g.output, { cluster: id, added: names }, () => `Added worker ${names.join(', ')} to ${cluster}.`);
}

export async function removeWorker(
  cluster: string,
  name: string,
  f: SelectFlags & { force?: boolean },
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  const { io, id } = await day2(g, cenv, cluster, f, (lifecycle, id) => lifecycle.removeWorker(id, name, !!f.force));
  await printData(io, g.output, { cluster: id, removed: name }, () => `Removed worker ${name} from ${cluster}.`);
}
