/**
 * SHA-256 on a worker thread (src/backup/hasher.ts) gives the digest node:crypto gives on this
 * thread, for several hashes at once fed in uneven pieces, more than the worker may fall behind by.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashWorker, inlineSha256 } from '../../src/backup/hasher.js';

describe('hashers', () => {
  it('a worker hashes what this thread would, for two streams at once, waiting when far behind', async () => {
    const a = randomBytes(40 * 1024 * 1024 + 13); // past the 4 MiB the worker may lag, and not whole batches
    const b = randomBytes(3 * 1024 * 1024 + 1);
    const w = new HashWorker();
    try {
      const [ha, hb, hi] = [w.sha256(), w.sha256(), inlineSha256()];
      for (let i = 0; i < a.length; i += 654_321) {
        ha.update(a.subarray(i, i + 654_321));
        hi.update(a.subarray(i, i + 654_321));
        if (i < b.length) hb.update(b.subarray(i, i + 654_321));
        await ha.drained();
      }
      const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
      expect(await ha.digest()).toBe(sha(a));
      expect(await hb.digest()).toBe(sha(b));
      expect(await hi.digest()).toBe(sha(a));
      expect(await w.sha256().digest()).toBe(sha(Buffer.alloc(0)));
    } finally {
      await w.close();
    }
  });
});
