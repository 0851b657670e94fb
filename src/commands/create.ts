/** `ksctl create cluster [name]`: flags/file/env/prompts → validated spec → plan or create. */
import type { Command } from 'commander';
import type { CommandEnv, GlobalOptions } from './context.js';
import { collect, parseCount, type CreateFlags } from './spec-input.js';

export function registerCreate(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  const create = program.command('create').description('Create resources');
  create
    .command('cluster')
    .description(
      'Create a cluster (managed: EKS, AKS, GKE, kind; self-managed: k3s or kubeadm on VMs or your machines)',
    )
    .argument('[name]', 'cluster name (DNS label)')
    .option('-n, --name <name>', 'cluster name (same as the argument)')
    .option('-f, --file <path>', 'cluster file (apiVersion: ksctl.io/v1alpha1, kind: Cluster)')
    .option('-p, --provider <provider>', 'aws | azure | gcp | local | ssh')
    .option('-t, --type <type>', 'managed | selfmanaged')
    .option('-r, --region <region>', 'cloud region ("local" for kind)')
    .option('-d, --distribution <distribution>', 'k3s | kubeadm (self-managed)')
    .option(
      '--k8s-version <version>',
      "Kubernetes version: a minor (1.36) or a patch (1.36.2); default: self-managed the newest supported minor, managed the cloud's default (docs/versions.md)",
    )
    .option('--control-planes <n>', 'control plane machines', parseCount('--control-planes'))
    .option('--workers <n>', 'worker machines / default node pool size', parseCount('--workers'))
    .option('--etcd <n>', 'external etcd members (0 = embedded; odd, >= 3)', parseCount('--etcd'))
    .option('--cp-size <size>', 'control plane instance size')
    .option('--worker-size <size>', 'worker instance size')
    .option('--etcd-size <size>', 'etcd instance size')
    .option('--lb-size <size>', 'load balancer instance size')
    .option('--spot', 'spot / preemptible workers')
    .option('--allow-cidr <cidr>', 'who may reach SSH and the API (repeatable; default: your public IP)', collect)
    .option('--vpc-cidr <cidr>', 'VPC / VNet CIDR (default 10.0.0.0/16)')
    .option('--profile <name>', 'AWS profile')
    .option('--subscription <id>', 'Azure subscription id')
    .option('--project <id>', 'GCP project id')
    .option(
      '--restore <backup>',
      'make the cluster from this backup of another cluster of the same shape: its CAs, tokens and etcd data (external etcd, or kubeadm stacked etcd; docs/backups.md)',
    )
    .option(
      '--backup-target <url>',
      'where the --restore backup is: file:///dir, s3://, az:// or gs:// (as backup --target)',
    )
    .option(
      '--backup-key-file <path>',
      "the old cluster's backup key (a copy of its secrets/backup-key); default: its key, when its state is on this machine",
    )
    .option('--dry-run', 'print the resolved spec and the plan; change nothing')
    .option('--no-switch', 'do not make the new cluster the current kubeconfig context')
    .action(async (name: string | undefined, flags: CreateFlags, cmd: Command) => {
      const { createCluster } = await import('./create-action.js');
      if (name && flags.name && name !== flags.name) {
        const { InputError } = await import('../errors.js');
        throw new InputError(`the name is given twice ("${name}" and --name ${flags.name}): give it once`, ['name']);
      }
      await createCluster({ ...flags, ...(name ? { name } : {}) }, globals(cmd), cenv);
    });
}
