/**
 * The cluster file, `apiVersion: ksctl.io/v1alpha1`, `kind: Cluster`, as one zod schema. Every field is
 * optional here: defaults (../defaults.ts) fill what is unset, and semantic rules (../validate.ts) run on
 * the resolved spec. Unknown keys are errors. `ksctl schema` prints the JSON Schema made from this.
 */
import { z } from 'zod';
import { CLUSTER_TYPES, DISTRIBUTIONS, PROVIDERS, ROLES } from '../types.js';

const count = (what: string) => z.number().int().describe(what);

const RoleSchema = z
  .object({
    count: count('How many machines of this role'),
    size: z.string().describe('Instance type / VM size (provider specific)'),
  })
  .partial()
  .strict();

const SshEndpointSchema = z
  .object({
    address: z.string().describe('Host name or IP address'),
    port: z.number().int().default(22).describe('SSH port').optional(),
    user: z.string().describe('SSH user'),
    keyFile: z.string().describe('Private key file on the operator machine').optional(),
    hostKey: z.string().describe('Expected host public key, e.g. "ssh-ed25519 AAAA..."').optional(),
  })
  .strict();

export const MachineFileSchema = z
  .object({
    name: z.string().describe('Machine name (DNS label); defaults to <cluster>-<role>-<i>').optional(),
    role: z.enum(ROLES).describe('loadbalancer, etcd, controlplane or worker'),
    address: z.string().describe('Address ksctl connects to'),
    privateAddress: z.string().describe('Address cluster members use (defaults to address)').optional(),
    port: z.number().int().describe('SSH port (default 22)').optional(),
    user: z.string().describe('SSH user (default root)').optional(),
    keyFile: z.string().describe('Private key file (default ~/.ssh/id_ed25519)').optional(),
    hostKey: z.string().describe('Expected host public key; when absent the first key seen is pinned').optional(),
  })
  .strict();

export const ClusterFileSpecSchema = z
  .object({
    provider: z.enum(PROVIDERS).describe('Where the cluster runs'),
    type: z.enum(CLUSTER_TYPES).describe('managed (EKS/AKS/GKE/kind) or selfmanaged (ksctl installs k3s/kubeadm)'),
    region: z.string().describe('Cloud region; "local" for kind; a free label for ssh'),
    distribution: z.enum(DISTRIBUTIONS).describe('Self-managed only: k3s or kubeadm'),
    kubernetesVersion: z.string().describe('Kubernetes version, "1.31" or "1.31.7"'),
    controlPlane: RoleSchema.describe('Control plane machines (self-managed, local)'),
    workers: RoleSchema.extend({ spot: z.boolean().describe('Use spot / preemptible capacity') })
      .partial()
      .strict()
      .describe('Worker machines or the default node pool'),
    etcd: RoleSchema.describe('External etcd members: 0 = embedded, else odd and >= 3'),
    loadBalancer: z.object({ size: z.string() }).partial().strict().describe('HAProxy machine (self-managed)'),
    nodePools: z
      .array(
        z
          .object({
            name: z.string(),
            count: z.number().int(),
            size: z.string().optional(),
            spot: z.boolean().optional(),
          })
          .strict(),
      )
      .describe('Managed node pools (default: one pool from workers)'),
    network: z
      .object({
        cidr: z.string().describe('VPC / VNet CIDR (default 10.0.0.0/16)'),
        allowCidrs: z.array(z.string()).describe('Who may reach SSH and the API (default: your public IP)'),
      })
      .partial()
      .strict(),
    machines: z.array(MachineFileSchema).describe('ssh provider: the existing machines to use'),
    ssh: z
      .object({
        bastion: SshEndpointSchema.describe('Jump host for every SSH connection'),
        sudoPassword: z.boolean().describe('Ask for the sudo password (prompt or KSCTL_SUDO_PASSWORD)'),
      })
      .partial()
      .strict(),
    credentials: z
      .object({
        profile: z.string().describe('AWS profile'),
        subscriptionId: z.string().describe('Azure subscription id'),
        project: z.string().describe('GCP project id'),
      })
      .partial()
      .strict(),
    airgap: z
      .object({
        enabled: z.boolean().describe('Install from local files uploaded over SFTP'),
        dir: z.string().describe('Directory holding the k3s binary / kubeadm packages'),
      })
      .partial()
      .strict(),
    kubelet: z
      .object({
        allowCgroupV1: z
          .boolean()
          .describe('Self-managed: run the kubelet on cgroup v1 hosts (failCgroupV1: false), which kubelet >= 1.35 refuses by default (default false)'),
      })
      .partial()
      .strict()
      .describe('Kubelet settings (self-managed)'),
  })
  .partial()
  .strict();

export const ClusterFileSchema = z
  .object({
    apiVersion: z.literal('ksctl.io/v1alpha1'),
    kind: z.literal('Cluster'),
    metadata: z.object({ name: z.string().describe('Cluster name (DNS label)') }).partial().strict().optional(),
    spec: ClusterFileSpecSchema.optional(),
  })
  .strict();

export type ClusterFile = z.infer<typeof ClusterFileSchema>;
export type ClusterFileSpec = z.infer<typeof ClusterFileSpecSchema>;
