/**
 * SSH keys: ed25519 pairs in OpenSSH format (machine host keys injected by cloud-init, the cluster's
 * user key) and OpenSSH-style fingerprints for pinning and display.
 */
import { createHash } from 'node:crypto';
import { generateEd25519KeyPair, type SshKeyPair } from '../../util/ssh-keys.js';

export type { SshKeyPair } from '../../util/ssh-keys.js';

/** A new ed25519 key pair; `comment` is appended to the public key line. */
export function generateSshKeyPair(comment?: string): SshKeyPair {
  return generateEd25519KeyPair(comment);
}

/** `SHA256:<base64, unpadded>` of the key blob, as `ssh-keygen -l` prints it. */
export function fingerprintSha256(publicKeyLine: string): string {
  const parts = publicKeyLine.trim().split(/\s+/);
  const blob = parts[1];
  if (!parts[0] || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) throw new Error('not an OpenSSH public key line');
  const raw = Buffer.from(blob, 'base64');
  // The blob starts with the key type as an SSH string: it must match the line's first field.
  const len = raw.length >= 4 ? raw.readUInt32BE(0) : -1;
  if (len < 0 || raw.subarray(4, 4 + len).toString() !== parts[0])
    throw new Error('public key type does not match its blob');
  return `SHA256:${createHash('sha256').update(raw).digest('base64').replace(/=+$/, '')}`;
}
