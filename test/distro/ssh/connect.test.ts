import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError, ProviderError } from '../../../src/errors.js';
import { fingerprint } from '../../../src/distro/ssh/hostkey.js';
import { Ssh2Pool } from '../../../src/distro/ssh/pool.js';
import { freePort, keygen, recordingLogger, SshFixture, type Sshd } from './sshd.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

let fx: SshFixture;
let sshd: Sshd;

beforeAll(async () => {
  fx = new SshFixture();
  sshd = await fx.start();
});
afterAll(async () => {
  await fx?.cleanup();
});

/** Runs `fn` with a fresh pool and always closes it. */
async function withPool<T>(
  fn: (pool: Ssh2Pool) => Promise<T>,
  opts: ConstructorParameters<typeof Ssh2Pool>[0] = {},
): Promise<T> {
  const pool = new Ssh2Pool(opts);
  try {
    return await fn(pool);
  } finally {
    pool.closeAll();
  }
}

describe('host key pinning', () => {
  it('accepts the pinned key', async () => {
    await withPool(async (pool) => {
      const s = await pool.session(fx.target(sshd, { hostKeys: [`${sshd.hostKey} root@somewhere`] }));
      expect(s.hostKey).toBe(sshd.hostKey);
      expect((await s.exec('echo ok')).stdout).toBe('ok\n');
    });
  });

  it('accepts any key when none is pinned and reports it for pinning', async () => {
    const log = recordingLogger();
    await withPool(
      async (pool) => {
        const s = await pool.session(fx.target(sshd, { hostKeys: [] }));
        expect(s.hostKey).toBe(sshd.hostKey);
        expect(log.lines.join('\n')).toContain(fingerprint(sshd.hostKey));
      },
      { logger: log },
    );
  });

  it('refuses a wrong key at once, naming both fingerprints and the fix', async () => {
    const wrong = keygen(join(fx.dir, 'not-the-host'));
    const before = sshd.connections();
    const started = Date.now();
    const err = await withPool((pool) =>
      pool.session(fx.target(sshd, { name: 'w-1', hostKeys: [wrong] }), { maxWaitMs: 30_000 }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    const e = err as ProviderError;
    expect(e.message).toBe(
      `machine "w-1" (127.0.0.1:${sshd.port}) presented host key ${fingerprint(sshd.hostKey)}, ` +
        `but the pinned key is ${fingerprint(wrong)}; refusing to connect`,
    );
    expect(e.hint).toMatch(/rebuilt.*update its pinned host key/);
    expect(Date.now() - started).toBeLessThan(1000); // no retries
    expect(sshd.connections() - before).toBe(1);
  });
});

describe('waiting for a machine that boots', () => {
  it('retries until sshd starts listening', async () => {
    const port = await freePort();
    const log = recordingLogger();
    let late: Sshd | undefined;
    const starting = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        fx.start({ port, name: 'late' }).then((s) => {
          late = s;
          resolve();
        }, reject);
      }, 300);
    });
    try {
      const started = Date.now();
      await withPool(
        async (pool) => {
          const s = await pool.session(
            { ...fx.target(sshd, { hostKeys: [] }), port, name: 'booting' },
            { maxWaitMs: 10_000 },
          );
          expect(Date.now() - started).toBeGreaterThanOrEqual(300);
          await starting;
          expect(s.hostKey).toBe(late!.hostKey);
          expect((await s.exec('echo up')).stdout).toBe('up\n');
        },
        { logger: log },
      );
      expect(log.lines.some((l) => l.includes('not reachable yet') && l.includes('ECONNREFUSED'))).toBe(true);
    } finally {
      await starting.catch(() => undefined);
      await late?.stop();
    }
  });

  it('gives up after maxWaitMs with the machine, address and last error', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await withPool((pool) =>
      pool.session({ ...fx.target(sshd), port, name: 'w-1' }, { maxWaitMs: 1500 }),
    ).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toBe(
      `machine "w-1" (127.0.0.1:${port}) did not answer SSH within 1.5s: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(2500);
  });

  it('retries a handshake that stalls and reports the timeout', async () => {
    const held: Socket[] = [];
    const silent = createServer((sock) => void held.push(sock)); // accepts, never speaks SSH
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const err = await withPool((pool) => pool.session({ ...fx.target(sshd), port, name: 'mute' }), {
        maxWaitMs: 1000,
        attemptTimeoutMs: 300,
      }).catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        `machine "mute" (127.0.0.1:${port}) did not answer SSH within 1s: Timed out while waiting for handshake`,
      );
      expect(held.length).toBeGreaterThanOrEqual(2);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('stops waiting when the signal aborts or the pool closes', async () => {
    const port = await freePort();
    const ac = new AbortController();
    const pool = new Ssh2Pool();
    setTimeout(() => ac.abort(), 200);
    let started = Date.now();
    await expect(pool.session({ ...fx.target(sshd), port }, { signal: ac.signal })).rejects.toBeInstanceOf(
      InterruptedError,
    );
    expect(Date.now() - started).toBeLessThan(1000);

    started = Date.now();
    setTimeout(() => pool.closeAll(), 200);
    await expect(pool.session({ ...fx.target(sshd), port, name: 'other' })).rejects.toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not retry a refused login', async () => {
    keygen(join(fx.dir, 'stranger'));
    const before = sshd.connections();
    const err = await withPool((pool) =>
      pool.session(fx.target(sshd, { name: 'w-2', privateKey: readFileSync(join(fx.dir, 'stranger'), 'utf8') })),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/^machine "w-2" \(127\.0\.0\.1:\d+\) refused SSH login as "root": /);
    expect(sshd.connections() - before).toBe(1);
  });

  it('rejects an unusable private key without connecting', async () => {
    const err = await withPool((pool) => pool.session(fx.target(sshd, { privateKey: 'not a key' }))).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/SSH settings for machine ".*" are unusable/);
    expect((err as Error).message).not.toContain('not a key');
  });
});
