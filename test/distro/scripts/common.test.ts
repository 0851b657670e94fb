import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { heredoc, makeScript, shellQuote } from '../../../src/distro/scripts/common.js';

const bash = (body: string, env: Record<string, string> = {}) =>
  spawnSync('bash', ['-c', body], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });

describe('shellQuote', () => {
  it.each(['plain', '', "it's", 'a b', '$(rm -rf /)', '`x`', 'back\\slash', 'new\nline', '*?[]', '"dq"', "''", '-n'])(
    'round-trips %j through bash',
    (value) => {
      const r = bash(`printf '%s' ${shellQuote(value)}`);
      expect(r.stdout).toBe(value);
    },
  );
});

describe('heredoc', () => {
  it('is literal: no expansion', () => {
    expect(bash(`cat ${heredoc('$HOME `id` \\n ${x}')}`).stdout).toBe('$HOME `id` \\n ${x}\n');
  });
  it('refuses content containing its delimiter', () => {
    expect(() => heredoc('a\nKSCTL_EOF\nb')).toThrow();
  });
});

describe('makeScript', () => {
  it('includes only the helpers the body uses (and their dependencies)', () => {
    const s = makeScript({ name: 't', description: 'd', body: ['mark_applied x y'] });
    expect(s.body).toContain('write_file() {');
    expect(s.body).toContain('mark_applied() {');
    expect(s.body).not.toContain('wait_for() {');
    expect(s.body).not.toContain('apt_install() {');
  });

  it('checks secret env without printing values', () => {
    const s = makeScript({ name: 't', description: 'd', body: ['echo ok'], secretEnv: ['MY_SECRET'] });
    const missing = bash(s.body);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('MY_SECRET must be set');
    expect(bash(s.body, { MY_SECRET: 'x' }).stdout).toBe('ok\n');
  });
});

describe('bash helpers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ksctl-helpers-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;

  it('write_file: atomic replace, untouched when identical, mode fixed, no temp left', () => {
    const f = join(dir, 'sub/file');
    const s = makeScript({
      name: 't',
      description: 'd',
      body: [`printf '%s\\n' "$1" | write_file ${f} 0640 ${owner}`],
    });
    const run = (v: string) => spawnSync('bash', ['-c', s.body, 'bash', v], { encoding: 'utf8' });
    expect(run('one').status).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe('one\n');
    expect((statSync(f).mode & 0o777).toString(8)).toBe('640');
    const ino = statSync(f).ino;
    expect(run('one').status).toBe(0);
    expect(statSync(f).ino).toBe(ino); // identical content: file not replaced
    expect(run('two').status).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe('two\n');
    expect(statSync(f).ino).not.toBe(ino); // replaced by rename
    expect(spawnSync('ls', [join(dir, 'sub')], { encoding: 'utf8' }).stdout.trim()).toBe('file');
  });

  it('wait_for: returns as soon as the command succeeds', () => {
    const flag = join(dir, 'flag');
    const s = makeScript({
      name: 't',
      description: 'd',
      body: [`(sleep 1; touch ${flag}) &`, `wait_for 20 0.2 "the flag" test -e ${flag}`, 'echo done'],
    });
    const t0 = Date.now();
    const r = bash(s.body);
    expect(r.stdout).toBe('done\n');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('wait_for: gives up at the deadline with the last output', () => {
    const s = makeScript({
      name: 't',
      description: 'd',
      body: ['wait_for 1 0.2 "the impossible" sh -c "echo nope; exit 1"'],
    });
    const t0 = Date.now();
    const r = bash(s.body);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('timed out after 1s waiting for the impossible');
    expect(r.stderr).toContain('nope');
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('require_file: names the missing upload', () => {
    writeFileSync(join(dir, 'present'), 'x');
    const s = makeScript({
      name: 't',
      description: 'd',
      body: [`require_file ${join(dir, 'present')} ${join(dir, 'absent')}`],
    });
    const r = bash(s.body);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`missing ${join(dir, 'absent')}`);
  });
});
