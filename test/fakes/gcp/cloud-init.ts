/**
 * FakeGcp's side of the cloud-init stand-in (test/fakes/common/cloud-init-standin.ts): what a GCE
 * instance hands cloud-init — the `user-data` metadata item (plain text, as GCE serves it to the
 * guest), the `ssh-keys` item (`user:key comment` lines; the guest creates that user with that key)
 * and its addresses (external natIP, internal networkIP). Plug the result in as `fake.onInstanceBoot`.
 */
import { cloudInitStandinFromEnv, type BootingVm } from '../common/cloud-init-standin.js';
import type { Instance } from '../../../src/cloud/gcp/sdk.js';

/** The first `user:key` line of an `ssh-keys` metadata value. */
function sshKeyOf(value: string | undefined): { user?: string; key?: string } {
  const line = value?.split('\n').find((l) => l.includes(':'));
  if (!line) return {};
  const at = line.indexOf(':');
  return { user: line.slice(0, at), key: line.slice(at + 1).trim() };
}

export function bootingVmOf(inst: Instance): BootingVm {
  const meta = new Map((inst.metadata?.items ?? []).map((i) => [i.key ?? '', i.value ?? undefined]));
  const ni = inst.networkInterfaces?.[0];
  const { user, key } = sshKeyOf(meta.get('ssh-keys'));
  return {
    id: `${inst.name ?? '?'} (${String(inst.zone ?? '')
      .split('/')
      .pop()})`,
    addresses: [ni?.accessConfigs?.[0]?.natIP ?? undefined, ni?.networkIP ?? undefined],
    userData: meta.get('user-data'),
    ...(user ? { user } : {}),
    authorizedKey: key,
  };
}

/** The boot hook from $KSCTL_CLOUD_INIT_HOSTS, or undefined when unset. */
export function gcpCloudInitFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): ((inst: Instance) => Promise<void>) | undefined {
  const boot = cloudInitStandinFromEnv(env);
  return boot && ((inst) => boot(bootingVmOf(inst)));
}
