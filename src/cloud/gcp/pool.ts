/**
 * Bounded parallelism for per-resource cloud work (an insert or delete and the wait on its
 * operation): at most `limit` at once, the next starting as soon as one finishes. Lockstep batches
 * (start N, wait for all N, start the next N) made every batch as slow as its slowest operation.
 */
export async function inPool<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  // After a failure no new item starts; those in flight finish (and record what they did) first.
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failed.error;
}
