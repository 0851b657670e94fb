import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, InterruptedError } from '../../../src/errors.js';
import { backoffDelay, formatDuration, isRetryable, sleep } from '../../../src/distro/ssh/backoff.js';
import { ansiQuote, buildInvocation, shellQuote } from '../../../src/distro/ssh/command.js';
import {
  fingerprint,
  hostKeyAlgorithms,
  hostKeyLine,
  isPinned,
  parseKeyLine,
} from '../../../src/distro/ssh/hostkey.js';
import { LineSplitter } from '../../../src/distro/ssh/lines.js';
import { makeRedactor } from '../../../src/distro/ssh/redactor.js';
import { keygen } from './sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'ksctl-ssh-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LineSplitter', () => {
  it('joins lines split across chunks, strips CR and keeps a last unterminated line', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const euro = Buffer.from('€'); // 3 bytes, split between chunks
    for (const chunk of [
      Buffer.from('a\r\nb'),
      Buffer.from('c\n\n'),
      Buffer.concat([Buffer.from('x'), euro.subarray(0, 1)]),
      euro.subarray(1),
      Buffer.from('\r\nlast'),
    ]) {
      s.push(chunk);
    }
    s.end();
    expect(lines).toEqual(['a', 'bc', '', 'x€', 'last']);
  });
});

describe('host keys', () => {
  const line = keygen(join(dir, 'k'));

  it('fingerprints like ssh-keygen -lf', () => {
    const expected = execFileSync('ssh-keygen', ['-lf', join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprint(line)).toBe(expected);
    expect(fingerprint(parseKeyLine(line).blob)).toBe(expected);
  });

  it('turns a raw blob back into its key line and matches pins without comments', () => {
    const { blob } = parseKeyLine(line);
    expect(hostKeyLine(blob)).toBe(line);
    expect(isPinned(blob, [`${line} root@host`])).toBe(true);
    expect(isPinned(blob, [keygen(join(dir, 'other'))])).toBe(false);
    expect(() => parseKeyLine('garbage')).toThrow(InputError);
  });

  it('offers only the pinned key types', () => {
    expect(hostKeyAlgorithms([])).toBeUndefined();
    expect(hostKeyAlgorithms([line])).toEqual(['ssh-ed25519']);
    expect(hostKeyAlgorithms(['ssh-rsa AAAA'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter up to the cap', () => {
    expect(backoffDelay(0, {}, () => 0)).toBe(50);
    expect(backoffDelay(0, {}, () => 1)).toBe(100);
    expect(backoffDelay(3, {}, () => 1)).toBe(800);
    expect(backoffDelay(30, { maxMs: 5000 }, () => 1)).toBe(5000);
  });

  it('sleeps abortably', async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 20);
    await expect(sleep(10_000, ac.signal)).rejects.toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it.each([
    [Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:22'), { code: 'ECONNREFUSED' }), true],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    [Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }), true],
    [Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), true],
    [new Error('Connection lost before handshake'), true],
    [
      Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }),
      false,
    ],
    [new InputError('bad'), false],
  ])('isRetryable(%s) = %s', (err, expected) => {
    expect(isRetryable(err)).toBe(expected);
  });

  it('formats durations for messages', () => {
    expect([1500, 1000, 30_000, 300_000, 150_000].map(formatDuration)).toEqual(['1.5s', '1s', '30s', '5m', '2m30s']);
  });
});

describe('remote invocation', () => {
  const tricky = ["it's", 'a "b" $HOME `id` \\n \\', 'new\nline\r\ttab', 'ünï €', "'''", ''];

  it.each(tricky)('quotes %j so bash reads it back unchanged', (value) => {
    expect(execFileSync('bash', ['-c', `printf %s ${ansiQuote(value)}`], { encoding: 'utf8' })).toBe(value);
    expect(execFileSync('bash', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' })).toBe(value);
    expect(ansiQuote(value)).not.toMatch(/[\n\r]/);
  });

  it('keeps the password, environment and command off the command line and runs them from stdin', () => {
    const inv = buildInvocation('echo "$TOKEN" | tr a-z A-Z; cat', {
      sudo: 'password',
      password: 'hunter2-password',
      env: { TOKEN: 'abc-token' },
    });
    for (const secret of ['hunter2-password', 'abc-token', 'tr a-z']) expect(inv.commandLine).not.toContain(secret);
    expect(inv.commandLine.startsWith("sudo -k -S -p '' -- bash -c ")).toBe(true);
    expect(inv.preamble.toString().startsWith('hunter2-password\n')).toBe(true);

    // Run the same invocation locally without sudo: the reader skips the password line like sudo would.
    const local = buildInvocation('echo "$TOKEN" | tr a-z A-Z; cat', { sudo: 'none', env: { TOKEN: 'abc-token' } });
    const script = local.commandLine.replace(/^bash -c /, '');
    const out = execFileSync('bash', ['-c', `bash -c ${script}`], {
      input: Buffer.concat([Buffer.from('unasked-password\n'), local.preamble, Buffer.from('rest of stdin')]),
      encoding: 'utf8',
    });
    expect(out).toBe('ABC-TOKEN\nrest of stdin');
  });

  it('rejects bad environment names and multi-line passwords', () => {
    expect(() => buildInvocation('true', { sudo: 'none', env: { 'A B': 'x' } })).toThrow(InputError);
    expect(() => buildInvocation('true', { sudo: 'password', password: 'a\nb' })).toThrow(InputError);
  });

  it('redacts per-command secrets on top of the registered ones', () => {
    const r = makeRedactor(['abcd', 'abcdef', undefined, 'x']);
    expect(r('abcdef abcd x password=hunter2')).toBe('[REDACTED] [REDACTED] x password=[REDACTED]');
  });
});
