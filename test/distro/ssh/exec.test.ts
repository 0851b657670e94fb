import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError, ProviderError } from '../../../src/errors.js';
import { Ssh2Pool } from '../../../src/distro/ssh/pool.js';
import { registerSecret } from '../../../src/util/redact.js';
import { recordingLogger, SshFixture, type Sshd } from './sshd.js';

let fx: SshFixture;
let sshd: Sshd;

beforeAll(async () => {
  fx = new SshFixture();
  sshd = await fx.start();
});
afterAll(async () => {
  await fx?.cleanup();
});

describe('exec against a real sshd', () => {
  it('streams output line by line and collects it', async () => {
    const pool = new Ssh2Pool();
    try {
      const s = await pool.session(fx.target(sshd));
      const seen: string[] = [];
      // printf without a trailing newline, CRLF and a line split across two writes.
      const r = await s.exec(`printf 'one\\r\\ntw'; sleep 0.05; printf 'o\\nthree'; echo err >&2`, {
        onLine: (line, stream) => seen.push(`${stream}:${line}`),
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('one\r\ntwo\nthree');
      expect(r.stderr).toBe('err\n');
      expect(seen).toEqual(expect.arrayContaining(['stdout:one', 'stdout:two', 'stdout:three', 'stderr:err']));
      expect(seen.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:one', 'stdout:two', 'stdout:three']);
    } finally {
      pool.closeAll();
    }
  });

  it('reuses one connection for 50 execs', async () => {
    const pool = new Ssh2Pool();
    try {
      const before = sshd.connections();
      const target = fx.target(sshd);
      for (let i = 0; i < 25; i++) {
        const s = await pool.session(target);
        expect((await s.exec(`echo ${i}`)).stdout).toBe(`${i}\n`);
      }
      // and 25 more at once: more than sshd's MaxSessions (10), queued on the connection's channel slots
      const s = await pool.session(target);
      const outs = await Promise.all(Array.from({ length: 25 }, (_, i) => s.exec(`echo ${i + 25}`)));
      expect(outs.map((o) => o.stdout)).toEqual(Array.from({ length: 25 }, (_, i) => `${i + 25}\n`));
      expect(sshd.connections() - before).toBe(1);
    } finally {
      pool.closeAll();
    }
  });

  it('pipes stdin (scripts to bash -s) and passes env values without them reaching the command line or log', async () => {
    const log = recordingLogger();
    const pool = new Ssh2Pool({ logger: log });
    try {
      const s = await pool.session(fx.target(sshd));
      const tricky = `it's "quoted" $(touch /tmp/pwned) \`x\` \\ and\nnewline`;
      const r = await s.exec('bash -s', {
        stdin:
          'printf "%s" "$A" > /tmp/ksctl-env-$$; echo "B has ${#B} chars"; cat /tmp/ksctl-env-$$; rm /tmp/ksctl-env-$$\n' +
          'for p in $$ $PPID; do tr "\\0" " " < /proc/$p/cmdline; echo; done\n',
        env: { A: tricky, B: 'sekret-value-123' },
      });
      expect(r.stdout).toContain(`B has 16 chars\n${tricky}`);
      expect(r.stdout).not.toContain('sekret-value-123'); // neither our shell's nor its parent's command line
      expect(log.lines.join('\n')).not.toContain('sekret-value-123');
      expect(log.lines.join('\n')).toContain('$ bash -s');
      const cat = await s.exec('cat', { stdin: Buffer.from([0, 1, 2, 255]) });
      expect(Buffer.from(cat.stdout, 'latin1').length).toBeGreaterThan(0);
      expect((await s.exec('wc -c', { stdin: 'x'.repeat(1_000_000) })).stdout.trim()).toBe('1000000');
    } finally {
      pool.closeAll();
    }
  });

  it('fails a non-zero exit with the stderr tail, redacting registered and per-command secrets', async () => {
    const pool = new Ssh2Pool();
    try {
      const s = await pool.session(fx.target(sshd));
      registerSecret('globally-registered-token-42');
      const err = await s
        .exec(
          'for i in $(seq 1 30); do echo "line $i" >&2; done; echo "token is per-command-secret-9 and globally-registered-token-42" >&2; exit 3',
          {
            secrets: ['per-command-secret-9'],
          },
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      const msg = (err as Error).message;
      expect(msg).toContain(`machine "m-${sshd.port}": command "for i in`);
      expect(msg).toContain('exited with code 3');
      expect(msg).toContain('line 30');
      expect(msg).not.toContain('line 10\n'); // only the last ~20 lines
      expect(msg).not.toContain('per-command-secret-9');
      expect(msg).not.toContain('globally-registered-token-42');
      expect(msg).toContain('[REDACTED]');
      const r = await s.exec('echo out; exit 7', { allowFailure: true });
      expect(r).toMatchObject({ code: 7, stdout: 'out\n' });
    } finally {
      pool.closeAll();
    }
  });

  it('times a command out, kills it and keeps the connection usable', async () => {
    const pool = new Ssh2Pool();
    try {
      const s = await pool.session(fx.target(sshd));
      const started = Date.now();
      const err = await s.exec('sleep 7.31\necho never', { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as Error).message).toBe(`machine "m-${sshd.port}": command "sleep 7.31" timed out after 0.3s`);
      // The remote process is gone (killed with the channel, or by the remote deadline a second later).
      const gone = await s.exec(
        'for i in $(seq 1 40); do pgrep -f "^sleep 7.31" >/dev/null || exit 0; sleep 0.05; done; exit 1',
        {
          allowFailure: true,
        },
      );
      expect(gone.code).toBe(0);
    } finally {
      pool.closeAll();
    }
  });

  it('stops a command when the signal aborts', async () => {
    const pool = new Ssh2Pool();
    try {
      const s = await pool.session(fx.target(sshd));
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      await expect(
        s.exec('while :; do echo tick-4711; sleep 0.05; done', { signal: ac.signal }),
      ).rejects.toBeInstanceOf(InterruptedError);
      // With the channel closed, the loop dies on its next write.
      const gone = await s.exec(
        'for i in $(seq 1 40); do pgrep -f "tick-47[1]1" >/dev/null || exit 0; sleep 0.05; done; exit 1',
        {
          allowFailure: true,
        },
      );
      expect(gone.code).toBe(0);
    } finally {
      pool.closeAll();
    }
  });

  it('re-establishes a dropped connection on the next call', async () => {
    const pool = new Ssh2Pool();
    try {
      const s = await pool.session(fx.target(sshd));
      const before = sshd.connections();
      // Kill this connection's sshd process from inside: the exec itself is lost.
      const killOwnSshd =
        'p=$$; while [ "$(ps -o comm= -p $p)" != sshd ]; do p=$(ps -o ppid= -p $p | tr -d " "); done; kill -9 $p; sleep 2';
      await expect(s.exec(killOwnSshd)).rejects.toThrow(/connection was lost/);
      expect((await s.exec('echo back')).stdout).toBe('back\n');
      expect(sshd.connections() - before).toBe(1);
    } finally {
      pool.closeAll();
    }
  });
});
