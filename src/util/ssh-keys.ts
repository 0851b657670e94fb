/**
 * ed25519 SSH key pairs in OpenSSH format, shared by every layer that makes keys (cluster user keys,
 * machine host keys). ssh2 loads only when a key is made or parsed.
 */
import ssh2, { type ParsedKey } from 'ssh2';

export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` ... (secret) */
  privateKey: string;
  /** One line: `ssh-ed25519 AAAA...` (plus the comment, if one was given). */
  publicKey: string;
}

/** 4+11 bytes of "ssh-ed25519" + 4+32 bytes of key. */
const ED25519_BLOB = 51;

function parse(privateKey: string): ParsedKey | undefined {
  const parsed = ssh2.utils.parseKey(privateKey);
  // Typed as one key, but a file holding several parses to an array.
  const key: ParsedKey | Error | undefined = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  return key && !(key instanceof Error) ? key : undefined;
}

/**
 * A new key pair. ssh2 1.17's generator drops a leading zero byte of the public key in about 1 key of
 * 256, giving a private key neither ssh2 nor OpenSSH can parse: such keys are rejected and made again.
 */
export function generateEd25519KeyPair(comment?: string): SshKeyPair {
  for (let i = 0; i < 16; i++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment ? { comment } : {});
    if (parse(pair.private)?.getPublicSSH().length === ED25519_BLOB)
      return { privateKey: pair.private, publicKey: pair.public.trim() };
  }
  throw new Error('could not generate a valid ed25519 key');
}

/** `ssh-ed25519 AAAA...` (no comment) of a private key, or undefined if it does not parse. */
export function publicKeyLineOf(privateKey: string): string | undefined {
  const key = parse(privateKey);
  return key ? `${key.type} ${key.getPublicSSH().toString('base64')}` : undefined;
}
