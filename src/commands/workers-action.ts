/** The work behind `add worker` / `delete worker`. */
import { machineSpecOf } from '../api/defaults.js';
import type { MachineSpec } from '../api/types.js';
import { checkName } from '../api/validate.js';
import { InputError } from '../errors.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import type { SelectFlags } from './get.js';
import { printData } from './output.js';
import { sshConfigOptions } from './ssh-config.js';
import type { AddWorkerFlags } from './workers.js';

async function selfManaged(g: GlobalOptions, cenv: CommandEnv, cluster: string, flags: SelectFlags) {
  const io = cenv.io(g);
  const progress = io.progress();
  const deps = managerDeps(g, cenv, io, progress);
  const ksctl = new KsctlManager(deps);
  const id = await ksctl.resolve(cluster, flags);
  const state = await ksctl.describe(id);
  if (state.type !== 'selfmanaged') throw new InputError(`${cluster} is a managed cluster: scale its node pools instead`, ['cluster']);
  const { lifecycleFor } = await import('../managers/index.js');
  const mgr = (await lifecycleFor('selfmanaged', deps)) as import('../managers/selfmanaged/manager.js').SelfManagedManager;
  return { io, progress, id, state, mgr };
}

export async function addWorker(cluster: string, f: AddWorkerFlags, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  const { io, progress, id, state, mgr } = await selfManaged(g, cenv, cluster, f);
  let machine: MachineSpec | undefined;
  if (f.address) {
    const name = f.name ?? `${state.spec.name}-worker-${state.spec.workers.count}`;
    const bad = checkName(name, '--name')[0];
    if (bad) throw new InputError(`--name: ${bad.message}`, ['--name']);
    if (f.port !== undefined && (!Number.isInteger(f.port) || f.port < 1 || f.port > 65535)) throw new InputError(`--port must be 1-65535, got ${f.port}`, ['--port']);
    // --address may be a Host alias of the OpenSSH config, resolved as for the machines of `create`.
    const given = { name, role: 'worker' as const, address: f.address, privateAddress: f.privateAddress, port: f.port, user: f.user, keyFile: f.keyFile, hostKey: f.hostKey };
    const opts = await sshConfigOptions(state.spec.provider, state.spec.ssh.configFile, cenv.env);
    machine = machineSpecOf(given, state.spec.machines.length, state.spec.name, opts, !!state.spec.ssh.bastion);
  }
  let names: string[];
  try {
    names = await mgr.addWorker(id, machine);
  } finally {
    await progress.close();
  }
  await printData(io, g.output, { cluster: id, added: names }, () => `Added worker ${names.join(', ')} to ${cluster}.`);
}

export async function removeWorker(cluster: string, name: string, f: SelectFlags & { force?: boolean }, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  const { io, progress, id, mgr } = await selfManaged(g, cenv, cluster, f);
  try {
    await mgr.removeWorker(id, name, !!f.force);
  } finally {
    await progress.close();
  }
  await printData(io, g.output, { cluster: id, removed: name }, () => `Removed worker ${name} from ${cluster}.`);
}
