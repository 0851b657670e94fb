/**
 * The snapshot from a member to the target in one pass, never whole in memory or on this machine's
 * disk: `cat` over an SSH exec channel → SHA-256 of the snapshot → AES-256-GCM (the bundle header
 * first, the tag last) → the target's streamed upload of `<name>.ksb`, whose length is known from the
 * file's size before the first byte moves. Each stage waits for the next (stream backpressure, SSH
 * window), so the slowest one sets the pace and the others overlap with it.
 */
import { Transform } from 'node:stream';
import { headerBytes, type BundleHeader } from '../../backup/bundle.js';
import { sealedSize } from '../../backup/crypto.js';
import { HashWorker, inlineSha256 } from '../../backup/hasher.js';
import { bundleKey } from '../../backup/repository.js';
import { CHUNK, SealStream, type Digest } from '../../backup/stream.js';
import type { BackupStorage } from '../../backup/targets/types.js';
import type { SshSession } from '../../distro/ssh/types.js';
import { ProviderError } from '../../errors.js';

export interface StreamSnapshotInput {
  session: SshSession;
  /** The snapshot file on the member, and its size (stat, before the transfer). */
  remote: string;
  size: number;
  /** Bundle name: the object `<name>.ksb`. */
  name: string;
  /** The secrets bundled beside the snapshot (in the header, so known before the transfer). */
  secrets: Record<string, string>;
  key: Buffer;
  /** The manifest's bound fields (crypto.ts), authenticated by the GCM tag. */
  aad: Buffer;
  storage: BackupStorage;
  signal?: AbortSignal;
}

export interface Streamed {
  /** The snapshot as received: its size and SHA-256 (to compare with the member's own). */
  snapshot: Digest;
  /** The sealed bundle as stored. */
  sealed: Digest;
}

/**
 * From this size on, both SHA-256s run on a worker thread (hasher.ts): below it, hashing them here
 * costs less than starting and stopping the worker (30–40 ms of CPU on the bench machine, what both
 * hashes of about 30 MiB cost).
 */
export const HASH_WORKER_MIN = 32 * 1024 * 1024;

export async function streamSnapshot(inp: StreamSnapshotInput): Promise<Streamed> {
  const worker = inp.size >= HASH_WORKER_MIN ? new HashWorker() : undefined;
  try {
    return await stream(inp, worker);
  } finally {
    await worker?.close();
  }
}

async function stream(inp: StreamSnapshotInput, worker: HashWorker | undefined): Promise<Streamed> {
  const header: BundleHeader = { files: [{ name: 'snapshot.db', size: inp.size }], secrets: inp.secrets };
  const head = headerBytes(header);
  const seal = new SealStream(inp.key, inp.aad, worker?.sha256() ?? inlineSha256());
  const hash = worker?.sha256() ?? inlineSha256();
  let got = 0;
  const tap = new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _enc, cb) {
      got += chunk.length;
      // More than stat said (the file grew): the bundle's header would lie about the snapshot's size.
      if (got > inp.size) return cb(new ProviderError(`${inp.remote} grew past ${inp.size} bytes while it was read`));
      hash.update(chunk);
      hash.drained().then(() => cb(null, chunk), cb);
    },
  });
  seal.write(head);
  tap.pipe(seal);
  tap.on('error', (e) => seal.destroy(e));

  const upload = inp.storage.putStream(bundleKey(inp.name), seal, sealedSize(head.length + inp.size));
  upload.catch((e: Error) => tap.destroy(e)); // stops the download (its sink failed) instead of stalling it
  const download = inp.session
    .downloadTo(inp.remote, tap, { sudo: true, signal: inp.signal })
    .then((n) => {
      if (n !== inp.size)
        throw new ProviderError(`${inp.remote}: ${n} bytes arrived, ${inp.size} expected (the file changed)`);
      tap.end();
    })
    .catch((e: unknown) => {
      seal.destroy(e as Error); // the upload must not complete a bundle from a broken transfer
      throw e;
    });
  const [d, u] = await Promise.allSettled([download, upload]);
  // The download's error says why (the member); the upload's then only says it was cut short.
  if (d.status === 'rejected') throw d.reason;
  if (u.status === 'rejected') throw u.reason;
  return { snapshot: { size: got, sha256: await hash.digest() }, sealed: await seal.digest() };
}
