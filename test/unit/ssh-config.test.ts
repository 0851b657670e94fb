/**
 * The OpenSSH client config as the ssh provider reads it: Host aliases and patterns, first obtained
 * value wins, explicit cluster-file values win over the config, IdentityFile accumulates and expands,
 * ProxyJump becomes the machine's bastion, Include is followed, and what ksctl cannot honour is bad input.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import type { SpecInput } from '../../src/api/input.js';
import { loadSshConfig } from '../../src/api/ssh-config-file.js';
import { assertValidSpec } from '../../src/api/validate.js';
import { InputError } from '../../src/errors.js';

let home: string;
const local = () => ({ home, name: 'alice' });
const NO_SYSTEM = '/nonexistent/ssh_config';

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'ksctl-sshcfg-'));
  mkdirSync(path.join(home, '.ssh', 'config.d'), { recursive: true });
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function writeConfig(text: string, file = 'config'): void {
  writeFileSync(path.join(home, '.ssh', file), text);
}

function specWith(machines: SpecInput['machines'], ssh: SpecInput['ssh'] = {}) {
  const input: SpecInput = { name: 'c1', provider: 'ssh', type: 'selfmanaged', machines, ssh };
  const lookup = loadSshConfig(ssh.configFile, local(), NO_SYSTEM);
  return applyDefaults(input, lookup ? { sshConfig: { lookup, local: local() } } : {});
}

const CONFIG = `
Host lb0
  HostName 10.1.0.10
  User ubuntu
  Port 2222
  IdentityFile ~/.ssh/lb_key
Host cp*
  HostName %h.internal.example
  IdentityFile %d/.ssh/%r@%h
  IdentitiesOnly yes
  ProxyJump jump
Host jump
  HostName 203.0.113.5
  User ops
  IdentityFile ~/.ssh/jump_key
Host *
  User admin
  IdentityFile ~/.ssh/everyone
`;

describe('machines listed by Host alias', () => {
  it('take HostName, User, Port and IdentityFile from their Host block, first value winning', () => {
    writeConfig(CONFIG);
    const [lb] = specWith([{ role: 'loadbalancer', address: 'lb0' }]).machines;
    expect(lb).toMatchObject({
      address: '10.1.0.10',
      privateAddress: '10.1.0.10',
      user: 'ubuntu',
      port: 2222,
      sshConfigHost: 'lb0',
    });
    // IdentityFile accumulates over every matching block, in order (Host * adds its own).
    expect(lb!.identityFiles).toEqual([path.join(home, '.ssh/lb_key'), path.join(home, '.ssh/everyone')]);
    expect(lb!.bastion).toBeUndefined();
  });

  it('match patterns, expand %h %d %r, and turn ProxyJump into a bastion resolved through the config', () => {
    writeConfig(CONFIG);
    const [cp] = specWith([{ role: 'controlplane', address: 'cp7' }]).machines;
    expect(cp).toMatchObject({ address: 'cp7.internal.example', user: 'admin', port: 22, identitiesOnly: true });
    expect(cp!.identityFiles).toEqual([
      path.join(home, '.ssh/admin@cp7.internal.example'),
      path.join(home, '.ssh/everyone'),
    ]);
    expect(cp!.bastion).toMatchObject({ address: '203.0.113.5', user: 'ops', port: 22, sshConfigHost: 'jump' });
    expect(cp!.bastion!.identityFiles).toEqual([path.join(home, '.ssh/jump_key'), path.join(home, '.ssh/everyone')]);
  });

  it('keep what the cluster file says explicitly (user, port, privateAddress, keyFile)', () => {
    writeConfig(CONFIG);
    const [lb] = specWith([
      { role: 'loadbalancer', address: 'lb0', user: 'root', port: 22, privateAddress: '192.168.0.4', keyFile: '~/k' },
    ]).machines;
    expect(lb).toMatchObject({
      address: '10.1.0.10',
      privateAddress: '192.168.0.4',
      user: 'root',
      port: 22,
      keyFile: '~/k',
    });
  });

  it('leave a machine the config does not mention as it was (defaults root and 22)', () => {
    writeConfig('Host other\n  User x\n');
    const [m] = specWith([{ role: 'worker', address: '10.9.9.9' }]).machines;
    expect(m).toMatchObject({ address: '10.9.9.9', user: 'root', port: 22 });
    expect(m!.sshConfigHost).toBeUndefined();
    expect(m!.identityFiles).toBeUndefined();
  });

  it('let spec.ssh.bastion win over ProxyJump, and resolve the bastion itself by alias', () => {
    writeConfig(CONFIG);
    const spec = specWith([{ role: 'controlplane', address: 'cp1' }], { bastion: { address: 'jump', user: 'me' } });
    expect(spec.machines[0]!.bastion).toBeUndefined();
    expect(spec.ssh.bastion).toMatchObject({ address: '203.0.113.5', user: 'me', port: 22 });
  });

  it('pass validation with aliases resolved to distinct endpoints', () => {
    writeConfig('Host a\n  HostName 10.0.0.1\nHost b\n  HostName 10.0.0.2\nHost c\n  HostName 10.0.0.3\n');
    const spec = specWith([
      { role: 'loadbalancer', address: 'a' },
      { role: 'controlplane', address: 'b' },
      { role: 'worker', address: 'c' },
    ]);
    expect(() => assertValidSpec({ ...spec, kubernetesVersion: spec.kubernetesVersion })).not.toThrow();
  });
});

describe('Include, Match and the config file option', () => {
  it('follows Include globs relative to ~/.ssh, at top level and inside a Host block', () => {
    writeFileSync(path.join(home, '.ssh/config.d/10-web'), 'Host web\n  HostName 10.2.0.1\n');
    writeFileSync(path.join(home, '.ssh/config.d/20-db'), 'Host db\n  HostName 10.2.0.2\n');
    writeFileSync(path.join(home, '.ssh/port-only'), 'Port 2200\n');
    writeConfig('Include config.d/*\nHost db\n  Include port-only\n  User dbadmin\n');
    const [web, db] = specWith([
      { role: 'worker', address: 'web' },
      { role: 'worker', address: 'db' },
    ]).machines;
    expect(web).toMatchObject({ address: '10.2.0.1', port: 22, user: 'root' });
    // The included Port applies under "Host db"; the User after the Include stays under it too.
    expect(db).toMatchObject({ address: '10.2.0.2', port: 2200, user: 'dbadmin' });
  });

  it('evaluates Match host (on the resolved HostName) but never runs Match exec', () => {
    writeConfig('Host n1\n  HostName 10.3.0.1\nMatch exec true\n  User fromexec\nMatch host 10.3.*\n  User matched\n');
    const [m] = specWith([{ role: 'worker', address: 'n1' }]).machines;
    expect(m).toMatchObject({ address: '10.3.0.1', user: 'matched' });
  });

  it('reads only spec.ssh.configFile when given, and nothing with "none"', () => {
    writeConfig('Host n1\n  HostName 10.4.0.1\n');
    writeFileSync(path.join(home, 'other.conf'), 'Host n1\n  HostName 10.4.0.2\n');
    expect(
      specWith([{ role: 'worker', address: 'n1' }], { configFile: path.join(home, 'other.conf') }).machines[0]!.address,
    ).toBe('10.4.0.2');
    expect(specWith([{ role: 'worker', address: 'n1' }], { configFile: 'none' }).machines[0]!.address).toBe('n1');
  });

  it('refuses a named config file that does not exist, naming the field', () => {
    expect(() => loadSshConfig('~/missing.conf', local(), NO_SYSTEM)).toThrow(InputError);
    expect(() => loadSshConfig('~/missing.conf', local(), NO_SYSTEM)).toThrow(
      /spec\.ssh\.configFile: cannot read SSH config .*missing\.conf \(ENOENT\)/,
    );
  });
});

describe('what ksctl cannot honour is bad input (exit 2)', () => {
  it.each([
    [
      'a ProxyJump chain',
      'Host m\n  ProxyJump j1,j2\n',
      /spec\.machines\[0\]: ProxyJump j1,j2 has 2 hops; ksctl jumps through one host/,
    ],
    [
      'a jump host with its own ProxyJump',
      'Host m\n  ProxyJump j1\nHost j1\n  ProxyJump j2\n',
      /its jump host j1 has a ProxyJump of its own/,
    ],
    [
      'a ProxyCommand',
      'Host m\n  ProxyCommand nc %h %p\n',
      /spec\.machines\[0\]: the SSH config gives Host m a ProxyCommand, which ksctl does not run/,
    ],
    ['a bad Port', 'Host m\n  Port http\n', /spec\.machines\[0\]: the SSH config's Port "http" is not 1-65535/],
  ])('%s', (_what, text, message) => {
    writeConfig(text);
    let err: unknown;
    try {
      specWith([{ role: 'worker', address: 'm' }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(message);
  });
});
