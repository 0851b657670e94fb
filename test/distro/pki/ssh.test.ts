import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintSha256, generateSshKeyPair } from '../../../src/distro/pki/index.js';
import { run, withFiles } from './openssl.js';

describe('ssh keys', () => {
  it('ed25519 pair in OpenSSH format that ssh-keygen accepts; fingerprint matches ssh-keygen -l', () => {
    const pair = generateSshKeyPair('ksctl@demo');
    expect(pair.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect(pair.publicKey).toMatch(/^ssh-ed25519 AAAA[0-9A-Za-z+/=]+ ksctl@demo$/);
    withFiles({ id: pair.privateKey, 'id.pub': `${pair.publicKey}\n` }, (d) => {
      const derived = run('ssh-keygen', ['-y', '-f', join(d, 'id')]);
      expect(derived.status, derived.out).toBe(0);
      expect(derived.out.trim().split(' ').slice(0, 2)).toEqual(pair.publicKey.split(' ').slice(0, 2));
      const fp = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(d, 'id.pub')]).out.split(' ')[1];
      expect(fingerprintSha256(pair.publicKey)).toBe(fp);
    });
  });

  it('two pairs differ', () => {
    expect(generateSshKeyPair().publicKey).not.toBe(generateSshKeyPair().publicKey);
  });

  it.each(['', 'ssh-ed25519', 'ssh-ed25519 not!base64', `ssh-rsa ${generateSshKeyPair().publicKey.split(' ')[1]}`])(
    'rejects %j',
    (line) => {
      expect(() => fingerprintSha256(line)).toThrow();
    },
  );
});
