/**
 * FakeAzure's side of the cloud-init stand-in (test/fakes/common/cloud-init-standin.ts): what an
 * Azure VM hands cloud-init — `osProfile.customData` (base64 #cloud-config), the admin user
 * `osProfile.adminUsername` and the first key of `linuxConfiguration.ssh.publicKeys` — and the
 * addresses of its NIC and that NIC's public IP. Plug the result in as `fake.onVmBoot`.
 */
import { cloudInitStandinFromEnv, type BootingVm } from '../common/cloud-init-standin.js';
import type { FakeAzure, VmBootHook } from './fake-azure.js';
import type { ArmRes, Json } from './model.js';

const obj = (x: unknown): Json => (x && typeof x === 'object' ? (x as Json) : {});
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/** The VM's (public, private) addresses: its primary NIC's first ip configuration and that one's public IP. */
function addressesOf(vm: ArmRes, fake: FakeAzure): (string | undefined)[] {
  const nics = (obj(vm.properties['networkProfile'])['networkInterfaces'] as Json[] | undefined) ?? [];
  // On the wire a NIC reference keeps `primary` in its properties bag (the SDK's model flattens it).
  const nicId = str((nics.find((n) => obj(n['properties'])['primary']) ?? nics[0])?.['id']);
  const nic = nicId ? fake.model.get(nicId) : undefined;
  const ipConfig = obj((nic?.properties['ipConfigurations'] as Json[] | undefined)?.[0]?.['properties']);
  const pipId = str(obj(ipConfig['publicIPAddress'])['id']);
  const pip = pipId ? fake.model.get(pipId) : undefined;
  return [str(pip?.properties['ipAddress']), str(ipConfig['privateIPAddress'])];
}

export function bootingVmOf(vm: ArmRes, fake: FakeAzure): BootingVm {
  const os = obj(vm.properties['osProfile']);
  const keys = (obj(obj(os['linuxConfiguration'])['ssh'])['publicKeys'] as Json[] | undefined) ?? [];
  const customData = str(os['customData']);
  const user = str(os['adminUsername']);
  return {
    id: `${vm.name} (${String(vm.properties['vmId'])})`,
    addresses: addressesOf(vm, fake),
    userData: customData ? Buffer.from(customData, 'base64').toString('utf8') : undefined,
    ...(user ? { user } : {}),
    authorizedKey: str(keys[0]?.['keyData']),
  };
}

/** The boot hook from $KSCTL_CLOUD_INIT_HOSTS, or undefined when unset. */
export function azureCloudInitFromEnv(env: NodeJS.ProcessEnv = process.env): VmBootHook | undefined {
  const boot = cloudInitStandinFromEnv(env);
  return boot && ((vm, fake) => boot(bootingVmOf(vm, fake)));
}
