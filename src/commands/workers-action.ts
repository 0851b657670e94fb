/** The work behind `add worker` / `delete worker`: the cluster's manager does it all. */
import type { CommandEnv, GlobalOptions } from './context.js';
import { day2 } from './day2.js';
import type { SelectFlags } from './get.js';
import { printData } from './output.js';
import { sshConfigOptions } from './ssh-config.js';
import type { AddWorkerFlags } from './workers.js';

export async function addWorker(cluster: string, f: AddWorkerFlags, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  const {
    io,
    id,
    result: names,
  } = await day2(g, cenv, cluster, f, () => ({
    run: (lifecycle, id) =>
      lifecycle.addWorker(id, f, (spec) => sshConfigOptions(spec.provider, spec.ssh.configFile, cenv.env)),
  }));
  await printData(io, g.output, { cluster: id, added: names }, () => `Added worker ${names.join(', ')} to ${cluster}.`);
}

export async function removeWorker(
  cluster: string,
  name: string,
  f: SelectFlags & { force?: boolean },
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  const { io, id } = await day2(g, cenv, cluster, f, () => ({
    run: (lifecycle, id) => lifecycle.removeWorker(id, name, !!f.force),
  }));
  await printData(io, g.output, { cluster: id, removed: name }, () => `Removed worker ${name} from ${cluster}.`);
}
