/**
 * One Azure VM per planned machine: a static public IP, a NIC (in the role's NSG and ASG) and an
 * Ubuntu 24.04 LTS VM (of the size's architecture), each PUT by its deterministic name (idempotent). The VM gets ksctl's SSH
 * public key (password login disabled) and cloud-init custom data installing the host key ksctl
 * generated and stored first, so the returned Machine pins it (no trust-on-first-use).
 */
import { ensureKeyPair } from '../common/keys.js';
import { forget } from '../common/record.js';
import { hostKeyUserData, toBase64 } from '../common/userdata.js';
import { ProviderError } from '../../errors.js';
import type { Machine } from '../../state/types.js';
import type { PlannedMachine } from '../types.js';
import { deleteArm, ensureArm } from './arm.js';
import type { AzCtx } from './context.js';
import { asgKey, nsgKey, recordedId } from './firewall.js';
import { recordedSubnetId } from './network.js';
import { nicName, publicIpName, tagsFor, TAG_MACHINE, vmName } from './naming.js';
import type { ArmResource } from './sdk.js';

export const SSH_USER = 'ubuntu';
export const SSH_KEY_SECRET = 'ssh/id_ed25519';
export const hostKeySecret = (name: string) => `hostkeys/${name}`;
export const vmKey = (name: string) => `vm/${name}`;
export const nicKey = (name: string) => `nic/${name}`;
export const pipKey = (name: string) => `pip/${name}`;

export type Arch = 'amd64' | 'arm64';

/**
 * Azure VM size names spell their features in lowercase after the vCPU count
 * (`Standard_D2ps_v5`, `Standard_E4pds_v6`, `Standard_B2pts_v2`); `p` there means an Arm CPU
 * (Ampere Altra, Cobalt 100). Azure refuses to boot an image of the other architecture.
 */
export function archOfVmSize(size: string): Arch {
  const features = /^Standard_[A-Z]+\d+(?:-\d+)?([a-z]*)/.exec(size)?.[1] ?? '';
  return features.includes('p') ? 'arm64' : 'amd64';
}

/** Canonical's Ubuntu 24.04 LTS server image (Gen2) for an architecture: sku `server` or `server-arm64`. */
export const ubuntuImage = (arch: Arch) => ({
  publisher: 'Canonical',
  offer: 'ubuntu-24_04-lts',
  sku: arch === 'arm64' ? 'server-arm64' : 'server',
  version: 'latest',
});

function vmBody(
  cloud: AzCtx,
  planned: PlannedMachine,
  nicId: string,
  sshPublicKey: string,
  hostKey: { privateKey: string; publicKey: string },
): ArmResource {
  const name = vmName(planned.name);
  const bigDisk = planned.role === 'controlplane' || planned.role === 'worker';
  return {
    location: cloud.spec.region,
    tags: tagsFor(cloud.spec, vmKey(planned.name), planned.role, { [TAG_MACHINE]: planned.name }),
    hardwareProfile: { vmSize: planned.size },
    storageProfile: {
      imageReference: ubuntuImage(archOfVmSize(planned.size)),
      osDisk: {
        name: `${name}-os`,
        createOption: 'FromImage',
        deleteOption: 'Delete',
        diskSizeGB: bigDisk ? 64 : 30,
        managedDisk: { storageAccountType: 'StandardSSD_LRS' },
      },
    },
    osProfile: {
      computerName: name,
      adminUsername: SSH_USER,
      customData: toBase64(hostKeyUserData(hostKey.privateKey, hostKey.publicKey)),
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: { publicKeys: [{ path: `/home/${SSH_USER}/.ssh/authorized_keys`, keyData: sshPublicKey }] },
      },
    },
    networkProfile: { networkInterfaces: [{ id: nicId, primary: true, deleteOption: 'Detach' }] },
    ...(planned.spot ? { priority: 'Spot', evictionPolicy: 'Delete', billingProfile: { maxPrice: -1 } } : {}),
  };
}

export async function ensureMachine(cloud: AzCtx, planned: PlannedMachine): Promise<Machine> {
  const { api, spec } = cloud;
  const sshKey = await ensureKeyPair(cloud.ctx.cluster.secrets, SSH_KEY_SECRET);
  const hostKey = await ensureKeyPair(cloud.ctx.cluster.secrets, hostKeySecret(planned.name));
  const tags = (key: string) => tagsFor(spec, key, planned.role, { [TAG_MACHINE]: planned.name });
  const role = planned.role;
  const pip = await ensureArm(
    cloud,
    api.publicIPAddresses,
    publicIpName(planned.name),
    () => ({
      location: spec.region,
      tags: tags(pipKey(planned.name)),
      sku: { name: 'Standard' },
      publicIPAllocationMethod: 'Static',
      publicIPAddressVersion: 'IPv4',
    }),
    { key: pipKey(planned.name), kind: 'azure:public-ip', role },
  );
  const nic = await ensureArm(
    cloud,
    api.networkInterfaces,
    nicName(planned.name),
    () => ({
      location: spec.region,
      tags: tags(nicKey(planned.name)),
      networkSecurityGroup: { id: recordedId(cloud, nsgKey(role)) },
      ipConfigurations: [
        {
          name: 'primary',
          primary: true,
          privateIPAllocationMethod: 'Dynamic',
          subnet: { id: recordedSubnetId(cloud) },
          publicIPAddress: { id: pip.id },
          applicationSecurityGroups: [{ id: recordedId(cloud, asgKey(role)) }],
        },
      ],
    }),
    { key: nicKey(planned.name), kind: 'azure:network-interface', role },
  );
  const vm = await ensureArm(
    cloud,
    api.virtualMachines,
    vmName(planned.name),
    () => vmBody(cloud, planned, nic.id!, sshKey.publicKey, hostKey),
    {
      key: vmKey(planned.name),
      kind: 'azure:virtual-machine',
      role,
    },
  );
  const publicAddress = pip['ipAddress'] as string | undefined;
  const privateAddress = (nic['ipConfigurations'] as { privateIPAddress?: string }[] | undefined)?.[0]
    ?.privateIPAddress;
  if (!publicAddress || !privateAddress)
    throw new ProviderError(`${planned.name}: no ${publicAddress ? 'private' : 'public'} address assigned`);
  const machine: Machine = {
    name: planned.name,
    role,
    ...(planned.pool ? { pool: planned.pool } : {}),
    sshPort: 22,
    sshUser: SSH_USER,
    hostKeys: [hostKey.publicKey],
    providerId: vm.id!,
    // cloud-provider-azure's form: `azure://` + the VM's resource id (`/subscriptions/...`).
    nodeProviderId: `azure://${vm.id!}`,
    size: (vm['hardwareProfile'] as { vmSize?: string } | undefined)?.vmSize ?? planned.size,
    spot: vm['priority'] === 'Spot',
    status: 'running',
    publicAddress,
    privateAddress,
  };
  const prev = cloud.ctx.cluster.state?.machines[planned.name];
  // A machine already bootstrapped stays so; only its facts are refreshed.
  if (prev?.status === 'bootstrapped' && prev.providerId === machine.providerId) machine.status = 'bootstrapped';
  if (JSON.stringify(prev) !== JSON.stringify(machine)) {
    await cloud.ctx.cluster.update((s) => {
      s.machines[planned.name] = machine;
    });
  }
  return machine;
}

/**
 * VM first (it holds the NIC; its OS disk goes with it, deleteOption `Delete`), then the NIC (it
 * holds the IP), then the IP. Not found is done. The machine itself is the caller's to forget.
 */
export async function deleteMachine(cloud: AzCtx, machine: Machine): Promise<void> {
  cloud.log.info(`deleting ${machine.name}`);
  await deleteArm(cloud, cloud.api.virtualMachines, vmName(machine.name));
  await deleteArm(cloud, cloud.api.networkInterfaces, nicName(machine.name));
  await deleteArm(cloud, cloud.api.publicIPAddresses, publicIpName(machine.name));
  await forget(cloud.ctx, vmKey(machine.name), nicKey(machine.name), pipKey(machine.name));
}
