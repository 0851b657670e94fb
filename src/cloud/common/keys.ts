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

export async function publicKeyOf(privateKey: string): Promise<string> {
  const { publicKeyLineOf } = await import('../../util/ssh-keys.js');
  const line = publicKeyLineOf(privateKey);
  if (!line) throw new ProviderError('stored SSH key cannot be parsed');
  return line;
}

/** A new private key (see util/ssh-keys.ts for the ssh2 bug it guards against). */
export async function generateEd25519(): Promise<string> {
  const { generateEd25519KeyPair } = await import('../../util/ssh-keys.js');
  return generateEd25519KeyPair().privateKey;
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
