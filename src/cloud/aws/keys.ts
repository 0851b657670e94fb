/** ed25519 key pairs generated on the operator's machine (ssh2 loads only when a key is needed). */
import { ProviderError } from '../../errors.js';
import { registerSecret } from '../../util/redact.js';
import type { SecretStore } from '../../state/types.js';

export interface KeyPairText {
  /** OpenSSH private key (secret). */
  privateKey: string;
  /** `ssh-ed25519 AAAA...` without comment. */
  publicKey: string;
}

type Ssh2Utils = typeof import('ssh2').utils;

async function ssh2Utils(): Promise<Ssh2Utils> {
  const mod = (await import('ssh2')) as unknown as { utils?: Ssh2Utils; default?: { utils: Ssh2Utils } };
  const utils = mod.utils ?? mod.default?.utils;
  if (!utils) throw new ProviderError('ssh2 does not export utils');
  return utils;
}

export async function publicKeyOf(privateKey: string): Promise<string> {
  const utils = await ssh2Utils();
  const parsed = utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new ProviderError('stored SSH key cannot be parsed');
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}

/** 4+11 bytes of "ssh-ed25519" + 4+32 bytes of key. */
const ED25519_BLOB = 51;

/**
 * ssh2 1.17's generateKeyPairSync('ed25519') drops a leading zero byte of the public key (about 1 key
 * in 256), producing a private key that neither ssh2 nor OpenSSH can parse. Such keys are rejected
 * and generated again.
 */
export async function generateEd25519(): Promise<string> {
  const utils = await ssh2Utils();
  for (let i = 0; i < 16; i++) {
    const pair = utils.generateKeyPairSync('ed25519');
    const parsed = utils.parseKey(pair.private);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key && !(key instanceof Error) && key.getPublicSSH().length === ED25519_BLOB) return pair.private;
  }
  throw new ProviderError('could not generate a valid ed25519 key');
}

/** The stored key `name`, or a new one stored before it is used anywhere (crash-safe ordering). */
export async function ensureKeyPair(secrets: SecretStore, name: string): Promise<KeyPairText & { created: boolean }> {
  let privateKey = await secrets.get(name);
  let created = false;
  if (!privateKey) {
    privateKey = await generateEd25519();
    await secrets.put(name, privateKey);
    created = true;
  }
  registerSecret(privateKey);
  return { privateKey, publicKey: await publicKeyOf(privateKey), created };
}
