/**
 * An encrypted SSH key on a terminal (tmux): ksctl asks for its passphrase once, however many machines
 * use the key, masks what is typed, and a wrong one is bad input (exit 2) before any machine is
 * contacted. The machines here are addresses nothing listens on: a right passphrase gets as far as
 * connecting (exit 1, "did not answer SSH"), which is all this test needs to see.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, sandbox, type Sandbox } from '../helpers/cli.js';
import { Tmux } from '../helpers/tmux.js';
import { freePort } from '../distro/ssh/sshd.js';

const PASS = 'tty-passphrase-42';
let sb: Sandbox;
let term: Tmux;
let file: string;

beforeEach(async () => {
  sb = sandbox({ KSCTL_SSH_WAIT_SECONDS: '1' });
  term = new Tmux();
  const ssh = path.join(sb.home, '.ssh');
  mkdirSync(ssh, { recursive: true, mode: 0o700 });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASS, '-f', path.join(ssh, 'id_ed25519')]);
  const port = await freePort();
  file = path.join(sb.dir, 'cluster.yaml');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'ksctl.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'tty' },
      spec: {
        provider: 'ssh',
        type: 'selfmanaged',
        region: 'default',
        distribution: 'k3s',
        kubernetesVersion: '1.37',
        machines: ['loadbalancer', 'controlplane', 'worker'].map((role, i) => ({
          role,
          address: `127.0.0.${i + 1}`,
          port,
        })),
      },
    }),
  );
});
afterEach(() => {
  term.kill();
  sb.cleanup();
});

const ttyEnv = () => {
  const { CI: _ci, SSH_AUTH_SOCK: _agent, ...env } = sb.env;
  return { ...env, TERM: 'xterm-256color' };
};

async function createUntilPassphrase(): Promise<void> {
  term.start(`${process.execPath} ${BIN} create cluster -f ${file}`, ttyEnv());
  await term.waitFor(/Create cluster tty\?/);
  term.type('y');
  term.send('Enter');
  await term.waitFor(/Passphrase for SSH key .*id_ed25519/);
}

describe('an encrypted key on a terminal', () => {
  it('refuses a wrong passphrase with exit 2, never showing it', async () => {
    await createUntilPassphrase();
    term.type('wrong-typed-secret');
    term.send('Enter');
    const s = await term.waitFor(/\[exit \d+\]/);
    expect(s).toMatch(/wrong passphrase for SSH key \S+id_ed25519/);
    expect(s).toContain('[exit 2]');
    expect(s).not.toContain('wrong-typed-secret');
    expect(existsSync(path.join(sb.ksctlHome, 'clusters/ssh/default/tty/state.json'))).toBe(false);
  });

  it('asks once for the key all machines share, then goes on to connect', async () => {
    await createUntilPassphrase();
    term.type(PASS);
    term.send('Enter');
    const s = await term.waitFor(/\[exit \d+\]/, 60_000);
    expect(s.match(/Passphrase for SSH key/g)).toHaveLength(1);
    expect(s).not.toContain(PASS);
    expect(s).toMatch(/did not answer SSH within 1s/);
    expect(s).toContain('[exit 1]');
  }, 90_000);
});
