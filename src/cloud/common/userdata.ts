/**
 * cloud-init user data that installs the machine's ksctl-generated host key, so the first SSH
 * connection already verifies the host (no trust-on-first-use). Only the ed25519 key is kept.
 * The user data is readable through IMDS on the instance; instances are launched with IMDSv2 and a
 * hop limit of 1 so containers cannot read it.
 */
export function hostKeyUserData(hostPrivateKey: string, hostPublicKey: string): string {
  const indented = hostPrivateKey
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return [
    '#cloud-config',
    'ssh_deletekeys: true',
    'ssh_genkeytypes: []',
    'ssh_keys:',
    '  ed25519_private: |',
    indented,
    `  ed25519_public: ${hostPublicKey}`,
    '',
  ].join('\n');
}

export const toBase64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
