/**
 * `ksctl add worker <cluster>` and `ksctl delete worker <cluster> <machine>`: day-2 scaling of a
 * self-managed cluster. The ssh provider adds a machine you name; clouds create a VM.
 */
import type { Command } from 'commander';
import type { CommandEnv, GlobalOptions } from './context.js';
import type { WorkerInput } from '../api/worker-request.js';
import type { SelectFlags } from './get.js';

export interface AddWorkerFlags extends SelectFlags, WorkerInput {}

export function registerWorkers(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  const add =
    program.commands.find((c) => c.name() === 'add') ?? program.command('add').description('Add machines to a cluster');
  add
    .command('worker')
    .description(
      'Add a worker to a self-managed cluster and join it (clouds: a new VM; ssh provider: an existing machine)',
    )
    .argument('<cluster>', 'cluster name')
    .option('-p, --provider <provider>', 'disambiguate by provider')
    .option('-r, --region <region>', 'disambiguate by region')
    .option(
      '--name <machine>',
      'machine (and node) name, a DNS label unique in the cluster (default <cluster>-worker-<n>)',
    )
    .option('--address <address>', 'ssh provider: address ksctl connects to, or a Host alias of ~/.ssh/config')
    .option('--private-address <address>', 'ssh provider: address cluster members use')
    .option('--port <port>', 'ssh provider: SSH port', (v) => Number(v))
    .option('--user <user>', "ssh provider: SSH user (default: the SSH config's User, else root)")
    .option('--key-file <path>', 'ssh provider: private key file')
    .option('--host-key <key>', 'ssh provider: expected host public key ("ssh-ed25519 AAAA...")')
    .action(async (cluster: string, flags: AddWorkerFlags, cmd: Command) => {
      const { addWorker } = await import('./workers-action.js');
      await addWorker(cluster, flags, globals(cmd), cenv);
    });
  const del = program.commands.find((c) => c.name() === 'delete')!;
  del
    .command('worker')
    .description(
      'Cordon and drain a worker and delete its node, then delete its VM (clouds) or uninstall Kubernetes from it (ssh provider)',
    )
    .argument('<cluster>', 'cluster name')
    .argument('<machine>', 'worker machine name (see `ksctl get cluster`)')
    .option('-p, --provider <provider>', 'disambiguate by provider')
    .option('-r, --region <region>', 'disambiguate by region')
    .option('--force', 'ssh provider: release the machine even if it cannot be reached to uninstall')
    .action(async (cluster: string, machine: string, flags: SelectFlags & { force?: boolean }, cmd: Command) => {
      const { removeWorker } = await import('./workers-action.js');
      await removeWorker(cluster, machine, flags, globals(cmd), cenv);
    });
}
