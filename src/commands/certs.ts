/**
 * `ksctl certs check <cluster>` and `ksctl certs renew <cluster>`: the certificates ksctl issued for a
 * self-managed cluster's external etcd (CA, member server/peer, API-server client), their expiry, and
 * their renewal from the same CA, one machine at a time.
 */
import type { Command } from 'commander';
import type { CommandEnv, GlobalOptions } from './context.js';
import type { SelectFlags } from './get.js';

export interface RenewFlags extends SelectFlags {
  within?: string;
  all?: boolean;
  dryRun?: boolean;
}

export function registerCerts(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  const certs = program
    .command('certs')
    .description('Check and renew the certificates ksctl issued for a self-managed cluster');
  certs
    .command('check')
    .description(
      'List every certificate ksctl issued for the cluster: subject, SANs, expiry, days left, the machines using it (exit 0; status ok, expiring or expired)',
    )
    .argument('<cluster>', 'cluster name')
    .option('-p, --provider <provider>', 'disambiguate by provider')
    .option('-r, --region <region>', 'disambiguate by region')
    .action(async (cluster: string, flags: SelectFlags, cmd: Command) => {
      const { checkCerts } = await import('./certs-action.js');
      await checkCerts(cluster, flags, globals(cmd), cenv);
    });
  certs
    .command('renew')
    .description(
      'Re-issue the etcd leaf certificates from the same CA and roll them out one machine at a time (etcd members, then API servers), each healthy before the next',
    )
    .argument('<cluster>', 'cluster name')
    .option('-p, --provider <provider>', 'disambiguate by provider')
    .option('-r, --region <region>', 'disambiguate by region')
    .option('--within <days>', 'renew certificates that expire within this many days, e.g. 30d (default 30d)')
    .option('--all', 'renew every leaf certificate, whatever its expiry')
    .option('--dry-run', 'list what would be renewed and which machines would restart; change nothing')
    .action(async (cluster: string, flags: RenewFlags, cmd: Command) => {
      const { renewCerts } = await import('./certs-action.js');
      await renewCerts(cluster, flags, globals(cmd), cenv);
    });
}
