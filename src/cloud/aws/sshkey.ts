/**
 * `infra/sshkey`: the cluster's login key. The private half is generated locally and stored in the
 * SecretStore *before* the public half is imported, so a crash never leaves AWS with a key we lack.
 */
import { ConflictError } from '../../errors.js';
import type { AwsCtx } from './context.js';
import { hasCode } from './errors.js';
import { ensureKeyPair } from '../common/keys.js';
import { clusterKey, keyPairName, tagsFor, tagValue, TAG_CLUSTER } from './naming.js';
import { ensureRecorded, forget } from '../common/record.js';

export const SSH_KEY_SECRET = 'ssh/id_ed25519';

const material = (k: string | undefined) => (k ?? '').trim().split(/\s+/).slice(0, 2).join(' ');

async function describeKey(cloud: AwsCtx, name: string) {
  const out = await cloud.aws.ec2.describeKeyPairs({
    Filters: [{ Name: 'key-name', Values: [name] }],
    IncludePublicKey: true,
  });
  return out.KeyPairs?.[0];
}

export async function ensureSshKey(cloud: AwsCtx): Promise<void> {
  const { ec2 } = cloud.aws;
  const key = await ensureKeyPair(cloud.ctx.cluster.secrets, SSH_KEY_SECRET);
  const name = keyPairName(cloud.spec);
  let existing = await describeKey(cloud, name);
  if (existing && tagValue(existing.Tags, TAG_CLUSTER) !== clusterKey(cloud.spec)) {
    throw new ConflictError(`EC2 key pair ${name} exists but was not created by ksctl for ${cloud.key}`, {
      hint: 'delete it or choose another cluster name',
    });
  }
  if (existing && material(existing.PublicKey) !== material(key.publicKey)) {
    // Our secret was lost or replaced: the old key pair can no longer log in anywhere.
    cloud.log.warn(`key pair ${name} does not match the stored key; replacing it`);
    await ec2.deleteKeyPair({ KeyName: name });
    await forget(cloud.ctx, 'keypair');
    existing = undefined;
  }
  if (!existing) {
    try {
      const out = await ec2.importKeyPair({
        KeyName: name,
        PublicKeyMaterial: new TextEncoder().encode(key.publicKey),
        TagSpecifications: [{ ResourceType: 'key-pair', Tags: tagsFor(cloud.spec, 'keypair', 'sshkey', name) }],
      });
      existing = { KeyPairId: out.KeyPairId, KeyName: name };
    } catch (e) {
      if (!hasCode(e, 'InvalidKeyPair.Duplicate')) throw e;
      existing = await describeKey(cloud, name);
    }
  }
  await ensureRecorded(cloud.ctx, 'keypair', { kind: 'aws:key-pair', id: existing?.KeyPairId ?? name, name });
}
