/**
 * Bundles as streams (src/backup/stream.ts, src/managers/backup/transfer.ts): sealed on the fly and
 * opened into a staged file that appears only after the size, SHA-256 and GCM tag all checked out; a
 * tampered, truncated or mis-keyed stream leaves no plaintext behind. A 128 MiB snapshot goes from a
 * real sshd (a file on the "member") through SSH, SHA-256, AES-256-GCM to a directory target and back
 * with the live memory (after GC) bounded far below its size.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headerBytes, packBundle } from '../../src/backup/bundle.js';
import { decrypt, encrypt, newBackupKey } from '../../src/backup/crypto.js';
import { openStoredBundle } from '../../src/backup/repository.js';
import { openBundle, SealStream } from '../../src/backup/stream.js';
import { LocalStorage } from '../../src/backup/targets/local.js';
import { boundFields, MANIFEST_FORMAT, parseManifest, type BackupManifest } from '../../src/backup/manifest.js';
import { Ssh2Pool } from '../../src/distro/ssh/pool.js';
import type { SshSession } from '../../src/distro/ssh/types.js';
import { streamSnapshot } from '../../src/managers/backup/transfer.js';
import { SshFixture, type Sshd } from '../distro/ssh/sshd.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const aad = Buffer.from('["ksctl.io/backup/v2","prod-1"]');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-stream-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Seals `snapshot` (with a header naming it) through SealStream, in uneven chunks. */
async function seal(key: Buffer, snapshot: Buffer, secrets: Record<string, string> = { 'etcd-ca.key': 'PEM' }) {
  const s = new SealStream(key, aad);
  const out: Buffer[] = [];
  s.on('data', (b: Buffer) => out.push(b));
  s.write(headerBytes({ files: [{ name: 'snapshot.db', size: snapshot.length }], secrets }));
  for (let i = 0; i < snapshot.length; i += 7777) s.write(snapshot.subarray(i, i + 7777));
  s.end();
  await new Promise((r) => s.on('end', r));
  return { sealed: Buffer.concat(out), digest: await s.digest() };
}

/** A source of `b` in chunks of `n` bytes (a download as it arrives). */
const chunks = (b: Buffer, n = 5000) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
    })(),
  );

describe('sealing and opening a stream', () => {
  const key = newBackupKey();
  const snapshot = Buffer.concat([Buffer.from('etcd snapshot bytes '), Buffer.alloc(300_000, 3)]);

  it('round-trips: the staged file holds the snapshot, the digests describe what was stored', async () => {
    const { sealed, digest } = await seal(key, snapshot);
    expect(digest).toEqual({ size: sealed.length, sha256: sha(sealed) });
    expect(sealed.includes(Buffer.from('etcd snapshot bytes'))).toBe(false);
    // The same bytes as the in-memory layout: decrypt() reads a streamed bundle (and a v1 one is read alike).
    expect(
      decrypt(key, sealed, aad).equals(
        packBundle({ files: { 'snapshot.db': snapshot }, secrets: { 'etcd-ca.key': 'PEM' } }),
      ),
    ).toBe(true);
    const dest = path.join(dir, 'round.db');
    const opened = await openBundle(key, aad, chunks(sealed), digest, { 'snapshot.db': dest }, 'test');
    expect(readFileSync(dest).equals(snapshot)).toBe(true);
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    expect(opened).toEqual({
      secrets: { 'etcd-ca.key': 'PEM' },
      files: { 'snapshot.db': { size: snapshot.length, sha256: sha(snapshot) } },
    });
    // A bundle sealed whole (encrypt) opens as a stream too.
    const whole = encrypt(key, packBundle({ files: { 'snapshot.db': snapshot }, secrets: {} }), aad);
    const dest2 = path.join(dir, 'whole.db');
    await openBundle(
      key,
      aad,
      chunks(whole, 16),
      { size: whole.length, sha256: sha(whole) },
      { 'snapshot.db': dest2 },
      'test',
    );
    expect(readFileSync(dest2).equals(snapshot)).toBe(true);
  });

  it.each([
    ['a flipped ciphertext byte', (b: Buffer) => (b[5000]! ^= 1), /does not decrypt with this key/],
    ['a flipped tag byte', (b: Buffer) => (b[b.length - 3]! ^= 0x80), /does not decrypt with this key/],
    [
      'a flipped header byte (the bundle header inside)',
      (b: Buffer) => (b[25]! ^= 1),
      /does not decrypt with this key/,
    ],
    ['a bad magic', (b: Buffer) => (b[0] = 0x41), /not a ksctl encrypted bundle/],
  ])('fails the GCM check on %s, with no plaintext left behind', async (_l, tamper, err) => {
    const { sealed } = await seal(key, snapshot);
    const bad = Buffer.from(sealed);
    tamper(bad);
    const sub = mkdtempSync(path.join(dir, 'tamper-'));
    // The manifest "agrees" with the tampered bytes: only the tag can tell.
    await expect(
      openBundle(key, aad, chunks(bad), { size: bad.length, sha256: sha(bad) }, { 'snapshot.db': `${sub}/s.db` }, 'x'),
    ).rejects.toThrow(err);
    expect(readdirSync(sub)).toEqual([]);
  });

  it('refuses a truncated or mismatched stream, a wrong key and another manifest, leaving nothing', async () => {
    const { sealed, digest } = await seal(key, snapshot);
    const sub = mkdtempSync(path.join(dir, 'refuse-'));
    const place = { 'snapshot.db': `${sub}/s.db` };
    const cut = sealed.subarray(0, sealed.length - 1000);
    await expect(openBundle(key, aad, chunks(cut), digest, place, 'x')).rejects.toThrow(/does not match its manifest/);
    await expect(openBundle(key, aad, chunks(cut), { size: cut.length, sha256: sha(cut) }, place, 'x')).rejects.toThrow(
      /does not decrypt/,
    );
    const longer = Buffer.concat([sealed, Buffer.alloc(10)]);
    await expect(openBundle(key, aad, chunks(longer), digest, place, 'x')).rejects.toThrow(
      /does not match its manifest/,
    );
    await expect(openBundle(newBackupKey(), aad, chunks(sealed), digest, place, 'x')).rejects.toThrow(
      /does not decrypt with this key/,
    );
    await expect(openBundle(key, Buffer.from('other'), chunks(sealed), digest, place, 'x')).rejects.toThrow(
      /does not decrypt/,
    );
    // A source that fails midway (a dropped download): its error, and nothing left.
    const broken = new PassThrough();
    broken.write(sealed.subarray(0, 100_000));
    setTimeout(() => broken.destroy(new Error('connection reset')), 10);
    await expect(openBundle(key, aad, broken, digest, place, 'x')).rejects.toThrow(/connection reset/);
    expect(readdirSync(sub)).toEqual([]);
  });
});

describe('format v1 (earlier ksctl)', () => {
  it('a v1 manifest is read, and its bundle (sealed whole, the v1 format bound) restores through the stream', async () => {
    const key = newBackupKey();
    const snapshot = Buffer.alloc(100_000, 9);
    const head = {
      name: 'prod-20261101t000000z',
      cluster: { provider: 'ssh' as const, region: 'default', name: 'prod' },
      shape: { distribution: 'k3s' as const, etcd: 'external' as const, members: 3, kubernetes: '1.37' },
      createdAt: '2026-11-01T00:00:00.000Z',
    };
    const v1 = { format: 'ksctl.io/backup/v1' as const, ...head };
    const sealed = encrypt(
      key,
      packBundle({ files: { 'snapshot.db': snapshot }, secrets: { t: 'x' } }),
      boundFields(v1),
    );
    const storage = new LocalStorage(path.join(dir, 'v1'), `file://${dir}/v1`);
    const text = JSON.stringify({
      ...v1,
      size: sealed.length,
      sha256: sha(sealed),
      snapshot: { size: snapshot.length, revision: 5, totalKeys: 1, hash: 1, member: 'etcd-0' },
      encryption: 'AES-256-GCM',
      keyFingerprint: 'x',
    });
    await storage.put(`${head.name}.ksb`, sealed);
    const m = parseManifest(text, 'v1.json');
    expect(m.format).toBe('ksctl.io/backup/v1');
    const dest = path.join(dir, 'v1.db');
    await openStoredBundle(storage, m, key, { 'snapshot.db': dest });
    expect(readFileSync(dest).equals(snapshot)).toBe(true);
    // The format is bound: the same manifest called v2 does not open the v1 bundle.
    await expect(
      openStoredBundle(storage, { ...m, format: MANIFEST_FORMAT }, key, { 'snapshot.db': `${dest}.2` }),
    ).rejects.toThrow(/does not decrypt/);
    expect(() => parseManifest(text.replace('backup/v1', 'backup/v9'), 'v9.json')).toThrow(
      /not a ksctl.io\/backup\/v1 or/,
    );
  });
});

describe('a 128 MiB snapshot from a real sshd, through SSH, SHA-256, AES-256-GCM, a target and back', () => {
  let fx: SshFixture;
  let sshd: Sshd;
  let pool: Ssh2Pool;
  let session: SshSession;
  const remote = `/tmp/ksctl-stream-${process.pid}.db`;
  const SIZE = 128 * 1024 * 1024;

  beforeAll(async () => {
    fx = new SshFixture();
    sshd = await fx.start();
    pool = new Ssh2Pool();
    session = await pool.session(fx.target(sshd));
    await session.exec(`head -c ${SIZE} /dev/urandom >${remote}`);
  }, 60_000);
  afterAll(async () => {
    await session?.exec(`rm -f ${remote}`).catch(() => undefined);
    pool?.closeAll();
    await fx?.cleanup();
  });

  it('holds far less than the snapshot in memory at any time (live heap + buffers, sampled after GC)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const live = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = live();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, live() - base)), 25);
    try {
      const storage = new LocalStorage(path.join(dir, 'target'), `file://${dir}/target`);
      const key = newBackupKey();
      const head = {
        name: 'prod-20261207t010000z',
        cluster: { provider: 'ssh' as const, region: 'default', name: 'prod' },
        shape: { distribution: 'k3s' as const, etcd: 'external' as const, members: 3, kubernetes: '1.37' },
        createdAt: '2026-12-07T01:00:00.000Z',
      };
      const sent = await streamSnapshot({
        session,
        remote,
        size: SIZE,
        name: head.name,
        secrets: { 'k3s-server-token': 'K10abc::server:pw' },
        key,
        aad: boundFields(head),
        storage,
      });
      const memberSum = (await session.exec(`sha256sum ${remote}`)).stdout.split(' ')[0];
      expect(sent.snapshot).toEqual({ size: SIZE, sha256: memberSum });
      expect(statSync(path.join(dir, 'target', `${head.name}.ksb`)).size).toBe(sent.sealed.size);

      const m: BackupManifest = {
        format: MANIFEST_FORMAT,
        ...head,
        size: sent.sealed.size,
        sha256: sent.sealed.sha256,
        snapshot: { size: SIZE, sha256: sent.snapshot.sha256, member: 'etcd-0' },
        encryption: 'AES-256-GCM',
        keyFingerprint: 'x',
      };
      const dest = path.join(dir, 'restored.db');
      const opened = await openStoredBundle(storage, m, key, { 'snapshot.db': dest });
      expect(opened.files['snapshot.db']).toEqual({ size: SIZE, sha256: memberSum });
      expect(opened.secrets).toEqual({ 'k3s-server-token': 'K10abc::server:pw' });
      expect(statSync(dest).size).toBe(SIZE);
    } finally {
      clearInterval(sampler);
    }
    // Holding the snapshot (128 MiB) or its bundle whole would need at least that much; what is in flight
    // (SSH window, a few 1 MiB stream buffers, the hash worker's batches) and GC's timing stay far below.
    expect(peak).toBeLessThan(32 * 1024 * 1024);
  }, 180_000);
});
