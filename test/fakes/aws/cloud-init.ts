/**
 * FakeAws's side of the cloud-init stand-in (test/fakes/common/cloud-init-standin.ts): what an EC2
 * instance hands cloud-init — base64 user data, the AMI's `ubuntu` user and the key pair named by
 * KeyName. Plug the result in as `fake.onInstanceBoot`.
 */
import { cloudInitStandinFromEnv, type BootingVm } from '../common/cloud-init-standin.js';
import type { FakeAws } from './fake-aws.js';
import type { Inst } from './model.js';

export function bootingVmOf(inst: Inst, fake: FakeAws): BootingVm {
  const keyPair = inst.keyName
    ? Object.values(fake.data.keyPairs).find((k) => k.name === inst.keyName && k.region === inst.region)
    : undefined;
  return {
    id: `${inst.id} (${inst.tags.Name ?? ''})`,
    addresses: [inst.publicIp, inst.privateIp],
    userData: inst.userData ? Buffer.from(inst.userData, 'base64').toString('utf8') : undefined,
    user: 'ubuntu',
    authorizedKey: keyPair?.publicKey,
  };
}

/** The boot hook from $KSCTL_CLOUD_INIT_HOSTS, or undefined when unset. */
export function awsCloudInitFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): ((inst: Inst, fake: FakeAws) => Promise<void>) | undefined {
  const boot = cloudInitStandinFromEnv(env);
  return boot && ((inst, fake) => boot(bootingVmOf(inst, fake)));
}
