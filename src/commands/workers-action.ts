/** The work behind `add worker` / `delete worker`. */
import type { MachineSpec } from '../api/types.js';
import { checkEndpoint } from '../api/endpoint.js';
import { checkName } from '../api/validate.js';
import { InputError } from '../errors.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import type { SelectFlags } from './get.js';
import { printData } from './output.js';
import { sudoPasswordFor } from './sudo-password.js';
import type { AddWorkerFlags } from './workers.js';

async function selfManaged(g: GlobalOptions, cenv: CommandEnv, cluster: string, flags: SelectFlags) {
  const io = cenv.io(g);
  const ksctl = new KsctlManager(managerDeps(g, cenv, io));
  const id = await ksctl.resolve(cluster, flags);
  const state = await ksctl.describe(id);
  if (state.type !== 'selfmanaged') throw new InputError(`${cluster} is a managed cluster: its node pools belong to the cloud`, ['cluster']);
  const sudoPassword = await sudoPasswordFor(state.spec, io, cenv.env);
  const progress = io.progress();
  const deps = { ...managerDeps(g, cenv, io, progress), ...(sudoPassword ? { sudoPassword } : {}) };
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
    const flagOf: Record<string, string> = { address: '--address', privateAddress: '--private-address', user: '--user', port: '--port', keyFile: '--key-file', hostKey: '--host-key' };
    const issues = checkEndpoint('', f, (field) => flagOf[field] ?? field);
    if (issues.length > 0) throw new InputError(issues.map((i) => `${i.path}: ${i.message}`).join('\n'), issues.map((i) => i.path));
    machine = { name, role: 'worker', address: f.address, privateAddress: f.privateAddress ?? f.address, port: f.port ?? 22, user: f.user ?? 'root', ...(f.keyFile ? { keyFile: f.keyFile } : {}), ...(f.hostKey ? { hostKey: f.hostKey } : {}) };
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
