// Non-root logins with sudo: throwaway local users and a sudoers drop-in, both removed in afterAll.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/errors.js';
import { Ssh2Pool } from '../../../src/distro/ssh/pool.js';
import type { SshTarget } from '../../../src/distro/ssh/types.js';
import { recordingLogger, SshFixture, type Sshd } from './sshd.js';

const NOPASSWD = `ksnp${process.pid}`;
const WITHPASS = `kspw${process.pid}`;
const PASSWORD = `Pw-${randomBytes(9).toString('base64url')}`;
const SUDOERS = `/etc/sudoers.d/ksctl-test-${process.pid}`;
const dir = `/etc/ksctl-sudo-test-${process.pid}`;

let fx: SshFixture;
let sshd: Sshd;
const log = recordingLogger();
let pool: Ssh2Pool;
const seen: string[] = []; // every line any onLine received

beforeAll(async () => {
  execFileSync('useradd', ['-m', '-s', '/bin/bash', '-p', '*', NOPASSWD]);
  execFileSync('useradd', ['-m', '-s', '/bin/bash', WITHPASS]);
  execFileSync('chpasswd', { input: `${WITHPASS}:${PASSWORD}\n` });
  // passwd_tries=1: a wrong password fails after one PAM delay (~2 s) instead of three.
  writeFileSync(
    SUDOERS,
    `${NOPASSWD} ALL=(ALL:ALL) NOPASSWD: ALL\n${WITHPASS} ALL=(ALL:ALL) ALL\nDefaults:${WITHPASS} passwd_tries=1\n`,
    {
      mode: 0o440,
    },
  );
  execFileSync('visudo', ['-cqf', SUDOERS]);
  fx = new SshFixture();
  fx.authorize(NOPASSWD);
  fx.authorize(WITHPASS);
  sshd = await fx.start();
  pool = new Ssh2Pool({ logger: log });
});

afterAll(async () => {
  pool?.closeAll();
  await fx?.cleanup();
  rmSync(SUDOERS, { force: true });
  rmSync(dir, { recursive: true, force: true });
  for (const user of [NOPASSWD, WITHPASS]) {
    try {
      execFileSync('userdel', ['-r', '-f', user], { stdio: 'ignore' });
    } catch {
      // not created
    }
  }
});

const as = (user: string, over: Partial<SshTarget> = {}): SshTarget => fx.target(sshd, { name: user, user, ...over });
const onLine = (line: string): void => void seen.push(line);

describe('passwordless sudo', () => {
  it('runs as root by default and as the user with sudo: false', async () => {
    const s = await pool.session(as(NOPASSWD));
    expect((await s.exec('id -u', { onLine })).stdout).toBe('0\n');
    expect((await s.exec('id -un', { sudo: false })).stdout).toBe(`${NOPASSWD}\n`);
    const r = await s.exec('bash -s', { stdin: 'echo "$X from $(id -un)"\ncat\n', env: { X: "it's set" } });
    expect(r.stdout).toBe("it's set from root\n");
  });

  it('uploads root-owned files through sudo install and reads them back with sudo', async () => {
    const s = await pool.session(as(NOPASSWD));
    await s.upload(`${dir}/k3s/config.yaml`, 'token: abc\n', { mode: 0o600 });
    await s.upload(`${dir}/owned`, 'mine', { mode: 0o640, owner: `${NOPASSWD}:${NOPASSWD}` });
    expect((await s.exec(`stat -c '%a %U:%G' ${dir}/k3s/config.yaml ${dir}/owned`)).stdout).toBe(
      `600 root:root\n640 ${NOPASSWD}:${NOPASSWD}\n`,
    );
    expect((await s.download(`${dir}/k3s/config.yaml`)).toString()).toBe('token: abc\n');
    await expect(s.download(`${dir}/k3s/config.yaml`, { sudo: false })).rejects.toThrow(/Permission denied/);
    expect((await s.exec('ls -a ~', { sudo: false })).stdout).not.toMatch(/ksctl-upload/);
    await s.upload('plain.txt', 'as me', { sudo: false, mode: 0o600 });
    expect((await s.exec('stat -c "%a %U" plain.txt', { sudo: false })).stdout).toBe(`600 ${NOPASSWD}\n`);
  });

  it('drops a sudo password that sudo never asks for instead of feeding it to the command', async () => {
    const s = await pool.session(as(NOPASSWD, { sudoPassword: 'unused-password-xyz' }));
    expect((await s.exec('cat', { stdin: 'only this' })).stdout).toBe('only this');
  });
});

describe('sudo with a password', () => {
  it('sends the password on stdin only and never shows it', async () => {
    const s = await pool.session(as(WITHPASS, { sudoPassword: PASSWORD }));
    const results: string[] = [];
    const r1 = await s.exec('id -u', { onLine });
    const r2 = await s.exec('cat', { stdin: 'stdin intact\n', onLine });
    const r3 = await s.exec('echo "$TOKEN" | wc -c; ps -eo args | grep -c -- "$TOKEN" || true', {
      env: { TOKEN: 'env-token-value-1' },
      onLine,
    });
    results.push(r1.stdout, r1.stderr, r2.stdout, r2.stderr, r3.stdout, r3.stderr);
    expect(r1.stdout).toBe('0\n');
    expect(r2.stdout).toBe('stdin intact\n');
    expect(r3.stdout).toBe('18\n1\n'); // only grep's own argv carries it: not the shells that run the command
    const err = await s.exec(`echo "${PASSWORD}" >&2; exit 4`, { onLine }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    const everything = [...results, (err as Error).message, ...seen, ...log.lines].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect((err as Error).message).toContain('[REDACTED]');
  });

  it('explains a missing or wrong password without echoing it', async () => {
    const none = await pool.session(as(WITHPASS, { name: 'no-pass' }));
    const e1 = (await none.exec('true').catch((e: unknown) => e)) as ProviderError;
    expect(e1).toBeInstanceOf(ProviderError);
    expect(e1.hint).toMatch(/passwordless sudo, or give the machine a sudoPassword/);

    const wrong = await pool.session(as(WITHPASS, { name: 'wrong-pass', sudoPassword: 'wrong-password-77' }));
    const e2 = (await wrong.exec('true').catch((e: unknown) => e)) as ProviderError;
    expect(e2).toBeInstanceOf(ProviderError);
    expect(e2.hint).toMatch(/check the machine's sudoPassword/);
    expect(e2.message).not.toContain('wrong-password-77');
  });
});
