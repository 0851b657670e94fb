/**
 * Host key pinning. Keys are compared as OpenSSH public key lines (`ssh-ed25519 AAAA...`) and shown to
 * people as OpenSSH fingerprints (`SHA256:` + unpadded base64), the form `ssh-keygen -lf` prints.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../errors.js';

/** The `type base64` line for a raw SSH wire-format public key blob (what ssh2's hostVerifier receives). */
export function hostKeyLine(blob: Buffer): string {
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const type = len > 0 && len + 4 <= blob.length ? blob.subarray(4, 4 + len).toString('latin1') : 'unknown';
  return `${type} ${blob.toString('base64')}`;
}

/** Splits a pinned key line (`type base64 [comment]`) into its type and blob. */
export function parseKeyLine(line: string): { type: string; blob: Buffer } {
  const [type, b64] = line.trim().split(/\s+/);
  if (!type || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) {
    throw new InputError(`not an SSH public key line: "${line.slice(0, 40)}"`, ['hostKeys'], {
      hint: 'pin host keys as "ssh-ed25519 AAAA..." (the contents of ssh_host_ed25519_key.pub)',
    });
  }
  return { type, blob: Buffer.from(b64, 'base64') };
}

/** OpenSSH-style SHA256 fingerprint of a key line or raw blob. */
export function fingerprint(key: string | Buffer): string {
  const blob = typeof key === 'string' ? parseKeyLine(key).blob : key;
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Whether the presented blob equals one of the pinned keys (the comment is ignored). */
export function isPinned(blob: Buffer, pinned: readonly string[]): boolean {
  return pinned.some((line) => parseKeyLine(line).blob.equals(blob));
}

const RSA_ALGOS = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/**
 * The host key algorithms to offer, so the server signs with a key type we pinned (a server with both
 * RSA and ed25519 keys would otherwise pick by its own preference and fail the comparison).
 * Undefined when nothing is pinned: ssh2's defaults apply.
 */
export function hostKeyAlgorithms(pinned: readonly string[]): string[] | undefined {
  if (pinned.length === 0) return undefined;
  const out = new Set<string>();
  for (const line of pinned) {
    const { type } = parseKeyLine(line);
    for (const algo of type === 'ssh-rsa' ? RSA_ALGOS : [type]) out.add(algo);
  }
  return [...out];
}
