/**
 * The cluster file, `apiVersion: ksctl.io/v1alpha1`, `kind: Cluster`, as one zod schema. Every field is
 * optional here: defaults (../defaults.ts) fill what is unset, and semantic rules (../validate.ts) run on
 * the resolved spec. Unknown keys are errors. `ksctl schema` prints the JSON Schema made from this.
 */
import { z } from 'zod';
import * as L from '../limits.js';
import { ETCD_PINNED_RELEASE } from '../etcd-release.js';
import { PKGS_K8S_IO } from '../package-repository.js';
import { NodePoolFileSchema } from './pool-schema.js';
import { CLUSTER_TYPES, DISTRIBUTIONS, PROVIDERS, ROLES } from '../types.js';

// Bounds (limits.ts) are part of the schema so editors see them; validate.ts applies the tighter
// per-provider ones to every source, flags included.
const count = (what: string, max: number) => z.number().int().min(0).max(max).describe(what);
const text = (max = L.MAX_SHORT_STRING) => z.string().max(max);
const size = () => text().describe('Instance type / VM size (provider specific)');

const roleSchema = (max: number) =>
  z
    .object({
      count: count('How many machines of this role', max),
      size: size(),
    })
    .partial()
    .strict();
const RoleSchema = roleSchema(L.MAX_QUORUM_MEMBERS);

const SshEndpointSchema = z
  .object({
    address: text(L.MAX_ADDRESS_LENGTH).describe('Host name or IP address'),
    port: z.number().int().min(1).max(65535).default(22).describe('SSH port').optional(),
    user: text(L.MAX_USER_LENGTH).describe('SSH user (a POSIX user name)'),
    keyFile: text(L.MAX_PATH_LENGTH).describe('Private key file on the operator machine').optional(),
    hostKey: text(L.MAX_HOST_KEY_LENGTH).describe('Expected host public key, e.g. "ssh-ed25519 AAAA..."').optional(),
  })
  .strict();

export const MachineFileSchema = z
  .object({
    name: text().describe('Machine name (DNS label); defaults to <cluster>-<role>-<i>').optional(),
    role: z.enum(ROLES).describe('loadbalancer, etcd, controlplane or worker'),
    pool: text()
      .describe(
        "A worker's node pool (a spec.nodePools name; default: the default pool). A pool's count is the number of machines listed with it",
      )
      .optional(),
    address: text(L.MAX_ADDRESS_LENGTH).describe(
      'Address ksctl connects to: an IP address, a DNS name, or a Host alias of the OpenSSH config (spec.ssh.configFile)',
    ),
    privateAddress: text(L.MAX_ADDRESS_LENGTH).describe('Address cluster members use (defaults to address)').optional(),
    port: z.number().int().min(1).max(65535).describe("SSH port (default: the SSH config's Port, else 22)").optional(),
    user: text(L.MAX_USER_LENGTH)
      .describe("SSH user, a POSIX user name (default: the SSH config's User, else root)")
      .optional(),
    keyFile: text(L.MAX_PATH_LENGTH)
      .describe(
        "Private key file, readable, PEM or OpenSSH, offered before the SSH config's IdentityFile (default: those, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa; ssh-agent keys too)",
      )
      .optional(),
    hostKey: text(L.MAX_HOST_KEY_LENGTH)
      .describe('Expected host public key; when absent the first key seen is pinned')
      .optional(),
  })
  .strict();

export const ClusterFileSpecSchema = z
  .object({
    provider: z.enum(PROVIDERS).describe('Where the cluster runs'),
    type: z.enum(CLUSTER_TYPES).describe('managed (EKS/AKS/GKE/kind) or selfmanaged (ksctl installs k3s/kubeadm)'),
    region: text().describe('Cloud region; "local" for kind; a free label for ssh'),
    distribution: z.enum(DISTRIBUTIONS).describe('Self-managed only: k3s or kubeadm'),
    kubernetesVersion: text().describe(
      'Kubernetes version: a minor ("1.36", the newest patch at install time) or a patch ("1.36.2"); unset: self-managed the newest supported minor, managed the cloud\'s default (see docs/versions.md)',
    ),
    controlPlane: RoleSchema.describe('Control plane machines (self-managed, local)'),
    workers: roleSchema(L.MAX_MACHINES_PER_CLUSTER)
      .extend({ spot: z.boolean().describe('Use spot / preemptible capacity') })
      .partial()
      .strict()
      .describe('Worker machines or the default node pool'),
    etcd: RoleSchema.extend({
      release: z
        .object({
          baseUrl: text(L.MAX_PATH_LENGTH).describe(
            'Mirror of the etcd release downloads, laid out as <baseUrl>/<version>/etcd-<version>-linux-<arch>.tar.gz (default GitHub)',
          ),
          version: text().describe(
            `etcd release, v3.6 or newer (default ${ETCD_PINNED_RELEASE.version}, the pinned one)`,
          ),
          sha256: z
            .object({
              amd64: text().describe('SHA-256 of the linux-amd64 tarball'),
              arm64: text().describe('SHA-256 of the linux-arm64 tarball'),
            })
            .partial()
            .strict()
            .describe('Checksums of the tarballs; required for a version other than the pinned one'),
        })
        .partial()
        .strict()
        .describe('Where external etcd is installed from (upstream release, checksum verified)'),
    })
      .partial()
      .strict()
      .describe('External etcd members: 0 = embedded, else odd and >= 3'),
    loadBalancer: z.object({ size: size() }).partial().strict().describe('HAProxy machine (self-managed)'),
    nodePools: z
      .array(NodePoolFileSchema)
      .max(L.MAX_NODE_POOLS)
      .describe(
        'Node pools: named groups of workers with one size, labels and taints (default: one pool "default" from workers; see docs/node-pools.md)',
      ),
    network: z
      .object({
        cidr: text().describe(
          'VPC / VNet CIDR (default 10.0.0.0/16); a network address: host bits set (10.1.2.3/16) are refused',
        ),
        allowCidrs: z
          .array(text())
          .max(L.MAX_ALLOW_CIDRS)
          .describe('Who may reach SSH and the API (default: your public IP); CIDRs with host bits set are refused'),
      })
      .partial()
      .strict(),
    machines: z
      .array(MachineFileSchema)
      .max(L.MAX_MACHINES_PER_CLUSTER)
      .describe('ssh provider: the existing machines to use'),
    ssh: z
      .object({
        bastion: SshEndpointSchema.describe('Jump host for every SSH connection'),
        sudoPassword: z.boolean().describe('Ask for the sudo password (prompt or KSCTL_SUDO_PASSWORD)'),
        configFile: z
          .string()
          .describe('OpenSSH client config for the machines\' Host aliases (default ~/.ssh/config; "none": read none)'),
      })
      .partial()
      .strict(),
    credentials: z
      .object({
        profile: text().describe('AWS profile'),
        subscriptionId: text().describe('Azure subscription id'),
        project: text().describe('GCP project id'),
      })
      .partial()
      .strict(),
    airgap: z
      .object({
        enabled: z.boolean().describe('Install from local files uploaded over SFTP'),
        dir: text(L.MAX_PATH_LENGTH).describe('Directory holding the k3s binary / kubeadm packages'),
        images: z
          .array(text(255))
          .max(L.MAX_AIRGAP_IMAGES)
          .describe(
            'Image archives in dir (uncompressed .tar, as `ctr images export` / `docker save` write them) imported into every node before Kubernetes starts',
          ),
      })
      .partial()
      .strict(),
    kubelet: z
      .object({
        allowCgroupV1: z
          .boolean()
          .describe(
            'Self-managed: run the kubelet on cgroup v1 hosts (failCgroupV1: false), which kubelet >= 1.35 refuses by default (default false)',
          ),
      })
      .partial()
      .strict()
      .describe('Kubelet settings (self-managed)'),
    kubeadm: z
      .object({
        packageRepository: z
          .object({
            url: text(L.MAX_PATH_LENGTH).describe(
              `One minor's repository, {minor} standing for it (pkgs.k8s.io's: ${PKGS_K8S_IO.url})`,
            ),
            keyUrl: text(L.MAX_PATH_LENGTH).describe(
              "The repository's signing key; may use {minor} (default: <url>Release.key, as on pkgs.k8s.io)",
            ),
          })
          .partial({ keyUrl: true })
          .strict()
          .describe(
            'A mirror of pkgs.k8s.io (Artifactory, Nexus, aptly, a proxy) to install and upgrade kubeadm, kubelet and kubectl from; air-gapped clusters use it instead of .deb files in airgap.dir (see docs/self-managed.md)',
          ),
      })
      .partial()
      .strict()
      .describe('kubeadm settings (self-managed kubeadm)'),
  })
  .partial()
  .strict();

export const ClusterFileSchema = z
  .object({
    apiVersion: z.literal('ksctl.io/v1alpha1'),
    kind: z.literal('Cluster'),
    metadata: z
      .object({ name: text().describe('Cluster name (DNS label)') })
      .partial()
      .strict()
      .optional(),
    spec: ClusterFileSpecSchema.optional(),
  })
  .strict();

export type ClusterFile = z.infer<typeof ClusterFileSchema>;
export type ClusterFileSpec = z.infer<typeof ClusterFileSpecSchema>;
