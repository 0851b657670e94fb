/**
 * SHA-256 of a stream, on this thread or on a worker thread. A backup hashes every byte twice (the
 * snapshot as it arrives, to compare with the member's `sha256sum`; the sealed bundle, for the
 * manifest), about 0.15 s of CPU per 256 MiB each on the bench machine, on the thread that also runs
 * SSH, AES-GCM and the upload. On a worker both overlap with that thread instead of adding to it; the
 * cost is a copy of each byte (≈0.03 s per 256 MiB) and the worker's start and stop (30–40 ms of CPU), so small
 * snapshots stay on this thread. Same hash, same guarantee: only where it is computed changes.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface Hasher {
  update(b: Buffer): void;
  /** Resolves once the hash has caught up with everything written (bounded memory). */
  drained(): Promise<void>;
  digest(): Promise<string>;
}

export function inlineSha256(): Hasher {
  const h = createHash('sha256');
  return {
    update: (b) => void h.update(b),
    drained: () => Promise.resolve(),
    digest: () => Promise.resolve(h.digest('hex')),
  };
}

/** Bytes copied into one message to the worker: few messages (≈1,200 per 300 MiB), little held. */
const BATCH = 256 * 1024;
/**
 * Bytes sent and not yet hashed before writers wait (`drained`): about a millisecond of hashing, enough
 * to keep the worker busy. With the batch being filled and the ones kept for reuse, a hash holds at most
 * about twice this (the 64 MiB memory test in test/backup/stream.test.ts keeps it honest).
 */
const AHEAD = 1024 * 1024;
/** Returned batches kept for reuse: as many as can be in flight, no more. */
const KEEP = AHEAD / BATCH + 1;

// CommonJS, evaluated by the worker: no file to find beside a bundled CLI.
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  let h = hashes.get(m.id);
  if (!h) hashes.set(m.id, (h = createHash('sha256')));
  if (m.data) {
    h.update(new Uint8Array(m.data));
    parentPort.postMessage({ id: m.id, done: m.data.byteLength, data: m.data }, [m.data]); // back, for reuse
  } else {
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, hex: h.digest('hex') });
  }
});
`;

/** One worker thread serving any number of hashes; `close()` ends it. */
export class HashWorker {
  private readonly worker = new Worker(WORKER, { eval: true });
  private next = 0;
  private ahead = 0;
  private waiting: (() => void)[] = [];
  private readonly results = new Map<number, (hex: string) => void>();
  /** Batches the worker has hashed and sent back: reused, so memory stays at what is in flight. */
  private readonly free: ArrayBuffer[] = [];
  private failure: Error | undefined;

  constructor() {
    this.worker.unref(); // never what keeps the CLI alive
    this.worker.on('message', (m: { id: number; done?: number; data?: ArrayBuffer; hex?: string }) => {
      if (m.done !== undefined) {
        this.ahead -= m.done;
        if (m.data?.byteLength === BATCH && this.free.length < KEEP) this.free.push(m.data);
        if (this.ahead <= AHEAD) for (const w of this.waiting.splice(0)) w();
      } else if (m.hex !== undefined) this.results.get(m.id)?.(m.hex);
    });
    this.worker.on('error', (e) => {
      this.failure = e;
      for (const w of this.waiting.splice(0)) w();
    });
  }

  sha256(): Hasher {
    const id = this.next++;
    const fresh = () => {
      const ab = this.free.pop();
      return ab ? Buffer.from(ab) : Buffer.allocUnsafeSlow(BATCH); // its own ArrayBuffer, not the shared pool
    };
    let batch = fresh();
    let used = 0;
    const flush = () => {
      if (used === 0) return;
      // A full batch's own ArrayBuffer moves to the worker (transferred, not copied again); a partial
      // one (the last) is copied out.
      const whole = used === BATCH;
      const data = whole ? batch.buffer : batch.buffer.slice(0, used);
      this.ahead += used;
      this.worker.postMessage({ id, data }, [data]);
      if (whole) batch = fresh();
      used = 0;
    };
    return {
      update: (b) => {
        for (let off = 0; off < b.length;) {
          const n = b.copy(batch, used, off);
          used += n;
          off += n;
          if (used === BATCH) flush();
        }
      },
      drained: async () => {
        while (this.ahead > AHEAD && !this.failure) await new Promise<void>((r) => this.waiting.push(r));
        if (this.failure) throw this.failure;
      },
      digest: async () => {
        flush();
        if (this.failure) throw this.failure;
        const hex = new Promise<string>((resolve, reject) => {
          this.results.set(id, resolve);
          this.worker.once('error', reject);
        });
        this.worker.postMessage({ id });
        return hex;
      },
    };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
