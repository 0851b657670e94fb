/** The work behind `add worker` / `delete worker`. */
import { machineSpecOf } from '../api/defaults.js';
import { checkEndpoint } from '../api/endpoint.js';
import type { ClusterSpec, MachineSpec, Provider } from '../api/types.js';
import type { AddWorkerRequest } from '../managers/selfmanaged/add-worker.js';
import { InputError } from '../errors.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import type { SelectFlags } from './get.js';
import { printData } from './output.js';
import { sshConfigOptions } from './ssh-config.js';
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

/** The ssh provider's flags; a cloud creates its machine, so they would be silently ignored there. */
const SSH_FLAGS = [
  ['address', '--address'],
  ['privateAddress', '--private-address'],
  ['port', '--port'],
  ['user', '--user'],
  ['keyFile', '--key-file'],
  ['hostKey', '--host-key'],
] as const;

/** The request behind the flags: ssh-only flags on a cloud and a bad endpoint are exit 2 before the cluster is touched. */
export function addWorkerRequest(provider: Provider, f: AddWorkerFlags): AddWorkerRequest {
  // --name is checked against the cluster (form and uniqueness) by resolveAddition, before anything is written.
  const req: AddWorkerRequest = f.name !== undefined ? { name: f.name } : {};
  if (provider !== 'ssh') {
    const given = SSH_FLAGS.filter(([k]) => f[k] !== undefined).map(([, flag]) => flag);
    if (given.length > 0) throw new InputError(`${given.join(', ')}: for the ssh provider only; ${provider} creates the machine`, [...given]);
    return req;
  }
  if (f.address !== undefined) {
    const flagOf: Record<string, string> = { address: '--address', privateAddress: '--private-address', user: '--user', port: '--port', keyFile: '--key-file', hostKey: '--host-key' };
    const issues = checkEndpoint('', f, (field) => flagOf[field] ?? field);
    if (issues.length > 0) throw new InputError(issues.map((i) => `${i.path}: ${i.message}`).join('\n'), issues.map((i) => i.path));
  }
  // No --address: the manager finishes a half-added machine, or asks for one.
  return req;
}

/** The ssh provider's new machine: --address may be a Host alias of the OpenSSH config, resolved as for `create`. */
async function sshMachine(spec: ClusterSpec, address: string, f: AddWorkerFlags, cenv: CommandEnv): Promise<Omit<MachineSpec, 'name' | 'role'>> {
  const opts = await sshConfigOptions(spec.provider, spec.ssh.configFile, cenv.env);
  const given = { role: 'worker' as const, address, privateAddress: f.privateAddress, port: f.port, user: f.user, keyFile: f.keyFile, hostKey: f.hostKey };
  const { name: _name, role: _role, ...machine } = machineSpecOf(given, spec.machines.length, spec.name, opts, !!spec.ssh.bastion);
  return machine;
}

export async function addWorker(cluster: string, f: AddWorkerFlags, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  const { io, progress, id, state, mgr } = await selfManaged(g, cenv, cluster, f);
  const req = addWorkerRequest(state.spec.provider, f);
  if (state.spec.provider === 'ssh' && f.address) req.machine = await sshMachine(state.spec, f.address, f, cenv);
  let names: string[];
  try {
    names = await mgr.addWorker(id, req);
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
