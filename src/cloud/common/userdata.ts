/**
 * cloud-init user data that installs the machine's ksctl-generated host key, so the first SSH
 * connection already verifies the host (no trust-on-first-use). Only the ed25519 key is kept:
 * `ssh_deletekeys` removes the image's keys, and because `ssh_keys` is given, cloud-init generates
 * none (cc_ssh only reads `ssh_genkeytypes` when `ssh_keys` is absent; an empty list there fails
 * cloud-init's schema, minItems 1, and leaves cloud-init "degraded").
 * The user data is readable through IMDS on the instance; instances are launched with IMDSv2 and a
 * hop limit of 1 so containers cannot read it.
 */

/** A file cloud-init writes (`write_files`) in its init stage: before sshd and network-online. */
export interface CloudInitFile {
  path: string;
  /** Text, written as-is. */
  content: string;
  /** Octal, e.g. `0644`. */
  permissions: string;
  /** Append to an existing file (the image's settings stay) instead of replacing it. */
  append?: boolean;
}

const block = (text: string, indent: string): string[] =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (l ? `${indent}${l}` : ''));

function writeFiles(files: readonly CloudInitFile[]): string[] {
  if (files.length === 0) return [];
  const lines = ['write_files:'];
  for (const f of files) {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(f.path))
      throw new Error(`cloud-init write_files path ${f.path} is not a plain absolute path`);
    if (!/^0[0-7]{3}$/.test(f.permissions))
      throw new Error(`cloud-init write_files permissions ${f.permissions} is not octal like 0644`);
    // Quoted permissions: a YAML 1.1 reader would take a bare 0644 as the octal number 420.
    lines.push(`  - path: ${f.path}`, `    permissions: '${f.permissions}'`, '    owner: root:root');
    if (f.append) lines.push('    append: true');
    lines.push('    content: |', ...block(f.content, '      '));
  }
  return lines;
}

export function hostKeyUserData(
  hostPrivateKey: string,
  hostPublicKey: string,
  files: readonly CloudInitFile[] = [],
): string {
  return [
    '#cloud-config',
    'ssh_deletekeys: true',
    'ssh_keys:',
    '  ed25519_private: |',
    ...block(hostPrivateKey.trim(), '    '),
    `  ed25519_public: ${hostPublicKey}`,
    ...writeFiles(files),
    '',
  ].join('\n');
}

export const toBase64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
