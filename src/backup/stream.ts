/**
 * Bundles as streams, so a snapshot of any size passes through in chunks: sealing (the bundle header,
 * then the snapshot as it arrives, AES-256-GCM on the fly, the tag last) and opening (the sealed bytes
 * as they download, checked against the manifest's size and SHA-256, decrypted into temp files that
 * are renamed into place only after the GCM tag verified). No plaintext outlives a failed check.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, type DecipherGCM } from 'node:crypto';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { readHeader, type BundleHeader } from './bundle.js';
import { BundleDecryptError, MAGIC, NO_DECRYPT, NONCE, TAG } from './crypto.js';
import { inlineSha256, type Hasher } from './hasher.js';

/** Buffered per stage (bytes): what the pipeline may hold in flight at each hop. */
export const CHUNK = 1024 * 1024;

export interface Digest {
  size: number;
  sha256: string;
}

/**
 * A Transform from plaintext (the caller writes the header bytes first, then the files) to the sealed
 * bundle; `digest()` gives the sealed bytes' size and SHA-256 once it has ended. The SHA-256 is
 * computed by `hasher` (hasher.ts: on this thread, or on a worker for large bundles).
 */
export class SealStream extends Transform {
  private readonly cipher;
  private size = 0;
  private done = false;

  constructor(
    key: Buffer,
    aad: Buffer,
    private readonly hash: Hasher = inlineSha256(),
  ) {
    super({ highWaterMark: CHUNK }); // room for a few SSH packets: fewer pauses, memory still bounded
    if (key.length !== 32) throw new Error('backup key must be 32 bytes');
    const nonce = randomBytes(NONCE);
    this.cipher = createCipheriv('aes-256-gcm', key, nonce);
    this.cipher.setAAD(aad);
    this.out(Buffer.concat([MAGIC, nonce]));
  }

  private out(b: Buffer): void {
    if (b.length === 0) return;
    this.hash.update(b);
    this.size += b.length;
    this.push(b);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.out(this.cipher.update(chunk));
    this.hash.drained().then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    this.out(this.cipher.final());
    this.out(this.cipher.getAuthTag());
    this.done = true;
    cb();
  }

  async digest(): Promise<Digest> {
    if (!this.done) throw new Error('the sealed bundle is not complete');
    return { size: this.size, sha256: await this.hash.digest() };
  }
}

export interface Opened {
  secrets: Record<string, string>;
  /** Per file written: its size and the SHA-256 of its plaintext. */
  files: Record<string, Digest>;
}

/** One file of the bundle on its way to disk: a temp file beside its destination. */
interface Sink {
  name: string;
  left: number;
  dest?: string;
  tmp?: string;
  out?: WriteStream;
  error?: Error;
  hash: ReturnType<typeof createHash>;
  size: number;
}

/**
 * Opens a sealed bundle from `source`: `expected` is the manifest's size and SHA-256 of the sealed
 * bytes, `aad` its bound fields; each file named in `place` is written to that path (0600), others
 * are skipped. Files appear at their paths only when every check passed; on any failure the temp
 * files are removed and a BundleDecryptError (or the source's error) is thrown.
 */
export async function openBundle(
  key: Buffer,
  aad: Buffer,
  source: AsyncIterable<Buffer> | Readable,
  expected: Digest,
  place: Record<string, string>,
  where: string,
): Promise<Opened> {
  const sealedHash = createHash('sha256');
  let sealedSize = 0;
  let prefix: Buffer = Buffer.alloc(0);
  let decipher: DecipherGCM | undefined;
  let tail: Buffer = Buffer.alloc(0); // the last TAG bytes seen: the tag, once the source ends
  let head: Buffer | undefined = Buffer.alloc(0); // plaintext until the header is complete
  let header: BundleHeader | undefined;
  const sinks: Sink[] = [];
  const temps: string[] = [];
  try {
    // Before the tag is checked, plaintext that does not parse is as likely a wrong key as a bad
    // bundle: noted, and reported only if the tag verifies (an authentic bundle ksctl made wrongly).
    let malformed: string | undefined;
    const write = async (plain: Buffer): Promise<void> => {
      if (malformed) return;
      let b = plain;
      if (head) {
        head = Buffer.concat([head, b]);
        let h: ReturnType<typeof readHeader>;
        try {
          h = readHeader(head);
        } catch (e) {
          malformed = (e as Error).message;
          head = undefined;
          return;
        }
        if (!h) return;
        header = h.header;
        for (const f of header.files) {
          const dest = place[f.name];
          const s: Sink = { name: f.name, left: f.size, hash: createHash('sha256'), size: 0 };
          if (dest) {
            s.dest = dest;
            s.tmp = `${dest}.${process.pid}.part`;
            temps.push(s.tmp);
            s.out = createWriteStream(s.tmp, { mode: 0o600 });
            s.out.on('error', (e) => (s.error ??= e)); // a full disk: reported by the write or close below
          }
          sinks.push(s);
        }
        b = head.subarray(h.end);
        head = undefined;
      }
      while (b.length > 0) {
        const s = sinks.find((x) => x.left > 0);
        if (!s) {
          malformed = 'the bundle has bytes past its last file';
          return;
        }
        const part = b.subarray(0, Math.min(s.left, b.length));
        s.left -= part.length;
        s.size += part.length;
        s.hash.update(part);
        if (s.out && !s.out.write(part)) await once(s.out, 'drain');
        if (s.error) throw s.error;
        b = b.subarray(part.length);
      }
    };

    for await (const c of source as AsyncIterable<Buffer>) {
      const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c);
      sealedHash.update(chunk);
      sealedSize += chunk.length;
      if (sealedSize > expected.size) break; // more than the manifest says: no need to read the rest
      let body = chunk;
      if (!decipher) {
        prefix = Buffer.concat([prefix, body]);
        if (prefix.length < MAGIC.length + NONCE) continue;
        if (!prefix.subarray(0, MAGIC.length).equals(MAGIC))
          throw new BundleDecryptError(`${where}: not a ksctl encrypted bundle (bad header)`);
        decipher = createDecipheriv('aes-256-gcm', key, prefix.subarray(MAGIC.length, MAGIC.length + NONCE));
        decipher.setAAD(aad);
        body = prefix.subarray(MAGIC.length + NONCE);
      }
      // Hold back the last TAG bytes: they are the tag when the source ends here.
      const all = tail.length ? Buffer.concat([tail, body]) : body;
      const cut = Math.max(0, all.length - TAG);
      tail = Buffer.from(all.subarray(cut));
      if (cut > 0) await write(decipher.update(all.subarray(0, cut)));
    }
    if (sealedSize !== expected.size || sealedHash.digest('hex') !== expected.sha256)
      throw new BundleDecryptError(`${where} does not match its manifest's size and SHA-256 (damaged or incomplete)`);
    if (!decipher || tail.length !== TAG)
      throw new BundleDecryptError(`${where}: not a ksctl encrypted bundle (bad header)`);
    decipher.setAuthTag(tail);
    let last: Buffer;
    try {
      last = decipher.final();
    } catch {
      throw new BundleDecryptError(NO_DECRYPT);
    }
    await write(last);
    // Authentic from here on: what remains are checks of a bundle that ksctl itself made wrongly.
    if (malformed) throw new BundleDecryptError(`${where}: ${malformed}`);
    if (!header || sinks.some((s) => s.left > 0)) throw new BundleDecryptError(`${where}: the bundle is truncated`);
    for (const s of sinks) {
      if (!s.out) continue;
      await new Promise<void>((resolve, reject) => s.out!.end((e?: Error | null) => (e ? reject(e) : resolve())));
      if (s.error) throw s.error;
      await fs.rename(s.tmp!, s.dest!);
    }
    const files: Record<string, Digest> = {};
    for (const s of sinks) files[s.name] = { size: s.size, sha256: s.hash.digest('hex') };
    return { secrets: header.secrets, files };
  } catch (e) {
    // Closed before removed: a file still being opened would otherwise reappear after the rm.
    for (const s of sinks) {
      if (s.out && !s.out.closed) await new Promise<void>((r) => s.out!.once('close', () => r()).destroy());
    }
    await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
    throw e;
  }
}
