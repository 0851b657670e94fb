import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, ProviderError } from '../../../src/errors.js';
import { Ssh2Pool } from '../../../src/distro/ssh/pool.js';
import type { SshSession } from '../../../src/distro/ssh/types.js';
import { SshFixture, type Sshd } from './sshd.js';

let fx: SshFixture;
let sshd: Sshd;
let pool: Ssh2Pool;
let s: SshSession;
const base = `/tmp/ksctl-transfer-${process.pid}`;

beforeAll(async () => {
  fx = new SshFixture();
  sshd = await fx.start();
  pool = new Ssh2Pool();
  s = await pool.session(fx.target(sshd));
});
afterAll(async () => {
  await s?.exec(`rm -rf ${base}`).catch(() => undefined);
  pool?.closeAll();
  await fx?.cleanup();
});

const stat = async (path: string): Promise<string> => (await s.exec(`stat -c '%a %U:%G' ${path}`)).stdout.trim();

describe('upload and download as root', () => {
  it('writes with the exact mode and owner, creating parent directories', async () => {
    await s.upload(`${base}/a/b/secret.key`, 'top secret\n', { mode: 0o600, owner: 'nobody:nogroup' });
    expect(await stat(`${base}/a/b/secret.key`)).toBe('600 nobody:nogroup');
    expect((await s.download(`${base}/a/b/secret.key`)).toString()).toBe('top secret\n');

    await s.upload(`${base}/group-writable`, Buffer.from([0, 1, 2, 254, 255]), { mode: 0o664 }); // beats sftp-server's umask
    expect(await stat(`${base}/group-writable`)).toBe('664 root:root');
    expect([...(await s.download(`${base}/group-writable`))]).toEqual([0, 1, 2, 254, 255]);
  });

  it('replaces an existing file and leaves no temp files behind', async () => {
    await s.upload(`${base}/replace.txt`, 'one');
    await s.upload(`${base}/replace.txt`, 'two', { mode: 0o640 });
    expect((await s.download(`${base}/replace.txt`)).toString()).toBe('two');
    expect(await stat(`${base}/replace.txt`)).toBe('640 root:root');
    expect((await s.exec(`ls -a ${base}`)).stdout).not.toMatch(/ksctl-/);
  });

  it('moves a large file', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    await s.upload(`${base}/big.bin`, big);
    expect((await s.download(`${base}/big.bin`)).equals(big)).toBe(true);
  });

  it('names the machine and path when a transfer fails', async () => {
    await expect(s.download(`${base}/missing`)).rejects.toThrow(
      new RegExp(`machine "m-${sshd.port}": download of ${base}/missing failed: No such file`),
    );
    await expect(s.upload(`${base}/x`, 'x', { owner: 'bad owner!' })).rejects.toBeInstanceOf(InputError);
    const err = await s.upload(`${base}/y`, 'y', { owner: 'no-such-user-ksctl' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/invalid user/);
    expect((await s.exec(`ls -a ${base}`)).stdout).not.toMatch(/ksctl-/);
  });
});

describe('streamed transfers (large files)', () => {
  it('downloadTo streams a file into a slow sink with flow control, byte for byte', async () => {
    const big = randomBytes(5 * 1024 * 1024 + 17);
    const local = path.join(tmpdir(), `ksctl-transfer-${process.pid}.bin`);
    writeFileSync(local, big);
    try {
      // Up from a local file (chunked SFTP), with its mode.
      await s.upload(`${base}/big-file.bin`, { file: local }, { mode: 0o600 });
      expect(await stat(`${base}/big-file.bin`)).toBe('600 root:root');
    } finally {
      rmSync(local, { force: true });
    }
    const got: Buffer[] = [];
    // A sink that takes a while per chunk: the channel must pause, not buffer everything.
    const sink = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _e, cb) {
        got.push(chunk);
        setTimeout(cb, 1);
      },
    });
    const n = await s.downloadTo(`${base}/big-file.bin`, sink);
    expect(n).toBe(big.length);
    expect(sink.writableEnded).toBe(false); // left open for the caller
    // The caller ends it and waits for it: the slow sink may still hold the last chunks it was given
    // (a check of `got` before that saw the file's last 17 bytes missing, one run in about fifty).
    sink.end();
    await once(sink, 'finish');
    expect(Buffer.concat(got).equals(big)).toBe(true);
  });

  it('downloadTo names the machine and path when the file is missing, and stops when the sink fails', async () => {
    const sink = new PassThrough();
    await expect(s.downloadTo(`${base}/missing`, sink)).rejects.toThrow(
      new RegExp(`machine "m-${sshd.port}": download of ${base}/missing failed: No such file`),
    );
    await s.exec(`head -c 3000000 /dev/zero >${base}/zeros`);
    const failing = new Writable({
      write(_c, _e, cb) {
        cb(new Error('upload refused'));
      },
    });
    await expect(s.downloadTo(`${base}/zeros`, failing)).rejects.toThrow(/upload refused/);
    // The connection is still usable afterwards.
    expect((await s.exec('echo ok')).stdout.trim()).toBe('ok');
  });
});
