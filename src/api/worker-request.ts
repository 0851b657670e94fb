/**
 * `add worker`'s input: the flags checked and defaulted here, as create's are (eksctl: defaults and
 * validation in the API package, one place for every command). What depends on the cluster (a free
 * name, a half-added worker to finish) is checked by the manager against its state.
 */
import { machineSpecOf, type DefaultsOptions } from './defaults.js';
import { checkEndpoint } from './endpoint.js';
import type { ClusterSpec, MachineSpec, Provider } from './types.js';
import { InputError } from '../errors.js';

/** What `add worker` was given (its flags). */
export interface WorkerInput {
  name?: string;
  address?: string;
  privateAddress?: string;
  port?: number;
  user?: string;
  keyFile?: string;
  hostKey?: string;
}

export interface AddWorkerRequest {
  /** `--name`; default `<cluster>-worker-<n>` (the smallest n free). */
  name?: string;
  /** The ssh provider's machine (from --address, --user, ...); clouds create theirs. */
  machine?: Omit<MachineSpec, 'name' | 'role'>;
}

/** The flag each field comes from. */
const FLAG_OF = {
  address: '--address',
  privateAddress: '--private-address',
  port: '--port',
  user: '--user',
  keyFile: '--key-file',
  hostKey: '--host-key',
} as const;

/**
 * The request behind the flags: ssh-only flags on a cloud and a bad endpoint are exit 2 before the
 * cluster is touched. `--name` is checked against the cluster (form and uniqueness) by the manager,
 * before anything is written. Without --address the manager finishes a half-added machine, or asks for one.
 */
export function addWorkerRequest(provider: Provider, f: WorkerInput): AddWorkerRequest {
  const req: AddWorkerRequest = f.name !== undefined ? { name: f.name } : {};
  if (provider !== 'ssh') {
    const given = (Object.keys(FLAG_OF) as (keyof typeof FLAG_OF)[])
      .filter((k) => f[k] !== undefined)
      .map((k) => FLAG_OF[k]);
    if (given.length > 0)
      throw new InputError(`${given.join(', ')}: for the ssh provider only; ${provider} creates the machine`, [
        ...given,
      ]);
    return req;
  }
  if (f.address !== undefined) {
    const issues = checkEndpoint('', f, (field) => (FLAG_OF as Record<string, string>)[field] ?? field);
    if (issues.length > 0)
      throw new InputError(
        issues.map((i) => `${i.path}: ${i.message}`).join('\n'),
        issues.map((i) => i.path),
      );
  }
  return req;
}

/**
 * The ssh provider's new machine with create's defaults: --address may be a Host alias of the OpenSSH
 * config (`opts`, read by the caller), resolved as for `create`.
 */
export function workerMachineOf(
  spec: ClusterSpec,
  f: WorkerInput & { address: string },
  opts: DefaultsOptions,
): Omit<MachineSpec, 'name' | 'role'> {
  const given = {
    role: 'worker' as const,
    address: f.address,
    privateAddress: f.privateAddress,
    port: f.port,
    user: f.user,
    keyFile: f.keyFile,
    hostKey: f.hostKey,
  };
  const {
    name: _name,
    role: _role,
    ...machine
  } = machineSpecOf(given, spec.machines.length, spec.name, opts, !!spec.ssh.bastion);
  return machine;
}
