/**
 * Logging in the way OpenSSH users do, against a real sshd and a real ssh-agent: keys held only in
 * the agent, IdentitiesOnly restricting the agent, encrypted key files with their passphrase, and the
 * input errors (exit 2) for a wrong or missing passphrase and for no usable key at all.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, ProviderError } from '../../../src/errors.js';
import { loadLogin, publicBlobOf } from '../../../src/distro/ssh/identities.js';
import { Ssh2Pool } from '../../../src/distro/ssh/pool.js';
import { startAgent, type RunningAgent } from '../../helpers/ssh-agent.js';
import { keygen, SshFixture, type Sshd } from './sshd.js';

const PASS = 'correct horse battery staple';
let fx: SshFixture;
let sshd: Sshd;
let agent: RunningAgent;
let encrypted: string; // the fixture's client key, passphrase-protected, no .pub beside it
let other: string; // a key sshd does not accept

const blob = (pubLine: string) => pubLine.split(/\s+/)[1]!;
const noPassphrase = async () => undefined;

beforeAll(async () => {
  fx = new SshFixture();
  sshd = await fx.start({ name: 'login' });
  agent = await startAgent();
  encrypted = join(fx.dir, 'client-encrypted');
  copyFileSync(join(fx.dir, 'client'), encrypted);
  execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', PASS, '-f', encrypted]);
  other = join(fx.dir, 'other');
  keygen(other);
});
afterAll(async () => {
  await agent?.stop();
  await fx?.cleanup();
});

describe('the ssh-agent', () => {
  it('logs in with a key held only by the agent (no key file)', async () => {
    agent.add(join(fx.dir, 'client'));
    const login = await loadLogin({
      field: 'spec.machines[0]',
      files: [],
      agent: agent.socket,
      identitiesOnly: false,
      passphrase: noPassphrase,
    });
    expect(login).toEqual({ agent: agent.socket });
    const pool = new Ssh2Pool();
    try {
      const { privateKey: _unused, ...noKey } = fx.target(sshd, { name: 'agent-only' });
      const s = await pool.session({ ...noKey, ...login });
      expect((await s.exec('echo via-agent')).stdout).toBe('via-agent\n');
      expect(sshd.log()).toMatch(/Accepted publickey for root/);
    } finally {
      pool.closeAll();
    }
  });

  it('with IdentitiesOnly offers only the agent keys of the listed files, and sshd then refuses', async () => {
    agent.add(other); // the agent now holds the accepted key and another one
    expect(agent.list()).toHaveLength(2);
    const login = await loadLogin({
      field: 'spec.machines[0]',
      files: [{ path: `${other}`, required: true }],
      agent: agent.socket,
      identitiesOnly: true,
      passphrase: noPassphrase,
    });
    const otherBlob = blob(readFileSync(`${other}.pub`, 'utf8'));
    expect(login.agentKeys).toEqual([otherBlob]);
    const pool = new Ssh2Pool({ maxWaitMs: 2000 });
    try {
      const { privateKey: _unused, ...noKey } = fx.target(sshd, { name: 'only-other' });
      // Only `other` is offered (from the agent and from its file): the accepted key in the agent is not.
      const err = await pool.session({ ...noKey, ...login }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as Error).message).toMatch(/refused SSH login as "root"/);
    } finally {
      pool.closeAll();
    }
  });

  it('needs no passphrase for an encrypted key file whose key the agent holds', async () => {
    let asked = 0;
    const login = await loadLogin({
      field: 'spec.machines[0]',
      files: [{ path: encrypted, required: true }],
      agent: agent.socket,
      identitiesOnly: true,
      passphrase: async () => {
        asked++;
        return PASS;
      },
    });
    expect(asked).toBe(0);
    expect(login.keys).toBeUndefined();
    expect(login.agentKeys).toEqual([blob(readFileSync(join(fx.dir, 'client.pub'), 'utf8'))]);
  });
});

describe('encrypted key files beside an agent', () => {
  it('skips one nobody named rather than asking, when agent keys are on offer (ssh tries the agent first)', async () => {
    const unnamed = join(fx.dir, 'unnamed-encrypted');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASS, '-f', unnamed]);
    const asks: boolean[] = [];
    const passphrase = async (_f: string, ask: boolean) => void asks.push(ask);
    const login = await loadLogin({
      field: 'spec.machines[0]',
      files: [{ path: unnamed, required: false }],
      agent: agent.socket,
      identitiesOnly: false,
      passphrase,
    });
    expect(asks).toEqual([false]); // only a passphrase given without asking (the environment) would be used
    expect(login).toEqual({ agent: agent.socket });
    // Named explicitly (keyFile), it is asked for, and its absence is an error.
    const err = await loadLogin({
      field: 'spec.machines[0]',
      files: [{ path: unnamed, required: true }],
      agent: agent.socket,
      identitiesOnly: false,
      passphrase,
    }).catch((e: unknown) => e);
    expect(asks).toEqual([false, true]);
    expect(err).toBeInstanceOf(InputError);
  });
});

describe('encrypted key files', () => {
  it('reads the public key of an encrypted OpenSSH key without decrypting it', () => {
    expect(publicBlobOf(encrypted, readFileSync(encrypted, 'utf8'))).toBe(
      blob(readFileSync(join(fx.dir, 'client.pub'), 'utf8')),
    );
  });

  it('decrypts with the passphrase and logs in', async () => {
    const login = await loadLogin({
      field: 'spec.machines[0]',
      files: [{ path: encrypted, required: true }],
      identitiesOnly: false,
      passphrase: async () => PASS,
    });
    expect(login.keys).toHaveLength(1);
    const pool = new Ssh2Pool();
    try {
      const { privateKey: _unused, ...noKey } = fx.target(sshd, { name: 'encrypted' });
      const s = await pool.session({ ...noKey, ...login });
      expect((await s.exec('echo decrypted')).stdout).toBe('decrypted\n');
    } finally {
      pool.closeAll();
    }
  });

  it.each([
    [
      'a wrong passphrase',
      async () => 'not the passphrase',
      /^spec\.machines\[3\]: wrong passphrase for SSH key \S+client-encrypted$/,
    ],
    [
      'no passphrase',
      noPassphrase,
      /^spec\.machines\[3\]: SSH key \S+client-encrypted is encrypted and no passphrase was given$/,
    ],
  ])(
    'refuses %s as bad input naming the file, without the passphrase in the error',
    async (_what, passphrase, message) => {
      const err = await loadLogin({
        field: 'spec.machines[3]',
        files: [{ path: encrypted, required: true }],
        identitiesOnly: false,
        passphrase,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(message);
      expect((err as InputError).hint).toMatch(/KSCTL_SSH_KEY_PASSPHRASE/);
      expect(`${(err as Error).message} ${(err as InputError).hint}`).not.toContain('not the passphrase');
    },
  );
});

describe('no usable key', () => {
  it('is bad input that says what was tried', async () => {
    const err = await loadLogin({
      field: 'spec.machines[1]',
      files: [{ path: join(fx.dir, 'nope'), required: false }],
      identitiesOnly: false,
      passphrase: noPassphrase,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      `spec.machines[1]: no usable SSH key (key files tried: ${join(fx.dir, 'nope')}; no ssh-agent (SSH_AUTH_SOCK unset or IdentityAgent none))`,
    );
  });

  it('names a key file the user gave that does not exist', async () => {
    const err = await loadLogin({
      field: 'spec.machines[1]',
      files: [{ path: join(fx.dir, 'nope'), required: true }],
      identitiesOnly: false,
      passphrase: noPassphrase,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(`spec.machines[1]: cannot read SSH key ${join(fx.dir, 'nope')} (ENOENT)`);
  });
});
