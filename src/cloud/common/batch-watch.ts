/**
 * Waiting for many cloud resources at once (instances starting): per tick, one batched poll that
 * covers every resource being waited on, instead of one poll loop per resource. Per-resource
 * polling costs a call per machine per interval (tens of calls a second at 100 machines, above the
 * clouds' read rates) and its backoff adds seconds after each resource is already ready. Batched,
 * the cost is a call or a few per tick whatever the cluster size, so the tick can be short.
 * Each cloud supplies the poll (AWS: DescribeInstances by id; GCP: instances.list per zone).
 */
import { InterruptedError, ProviderError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import type { Clock } from './clock.js';

export interface BatchWaitOptions<T> {
  /** Names the wait in progress lines and errors, e.g. `demo-worker-0 to run`. */
  what: string;
  /** The resource is what we wait for: resolve with it. */
  done(item: T): boolean;
  /** An error when the resource can no longer get there (stopped; `undefined`: not seen this tick). */
  failed?(item: T | undefined): Error | undefined;
  timeoutMs: number;
  signal: AbortSignal;
  log?: Logger;
  /** Log "still waiting" at most this often (default 60 s). */
  progressEveryMs?: number;
}

/** What one poll learned, by key: the resources it saw, and errors for keys it could not ask about. */
export interface PollResult<T> {
  found: Map<string, T>;
  errors: Map<string, unknown>;
}

interface Waiter<T> {
  key: string;
  opts: BatchWaitOptions<T>;
  start: number;
  lastProgress: number;
  resolve(item: T): void;
  reject(e: unknown): void;
}

export class BatchWatcher<T> {
  private readonly waiters = new Set<Waiter<T>>();
  private running = false;

  constructor(
    private readonly clock: Clock,
    /** Looks up every key at once (keys are the watcher user's: an instance id, `zone/name`). */
    private readonly poll: (keys: string[]) => Promise<PollResult<T>>,
    private readonly tickMs = 1000,
  ) {}

  /** Resolves with the resource once `done` holds for it (checked every tick, first after one tick). */
  wait(key: string, opts: BatchWaitOptions<T>): Promise<T> {
    if (opts.signal.aborted) return Promise.reject(new InterruptedError(`interrupted while waiting for ${opts.what}`));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => settle(() => reject(new InterruptedError(`interrupted while waiting for ${opts.what}`)));
      const settle = (f: () => void) => {
        if (!this.waiters.delete(w)) return;
        opts.signal.removeEventListener('abort', onAbort);
        f();
      };
      const now = this.clock.now();
      const w: Waiter<T> = {
        key,
        opts,
        start: now,
        lastProgress: now,
        resolve: (item) => settle(() => resolve(item)),
        reject: (e) => settle(() => reject(e)),
      };
      this.waiters.add(w);
      opts.signal.addEventListener('abort', onAbort, { once: true });
      if (!this.running) void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.size > 0) {
        await this.clock.sleep(this.tickMs);
        if (this.waiters.size === 0) break;
        await this.tick([...this.waiters]);
      }
    } finally {
      this.running = false;
    }
  }

  private async tick(waiters: Waiter<T>[]): Promise<void> {
    let seen: PollResult<T>;
    try {
      seen = await this.poll([...new Set(waiters.map((w) => w.key))]);
    } catch (e) {
      for (const w of waiters) w.reject(e);
      return;
    }
    const now = this.clock.now();
    for (const w of waiters) {
      if (seen.errors.has(w.key)) {
        w.reject(seen.errors.get(w.key));
        continue;
      }
      const item = seen.found.get(w.key);
      const failure = w.opts.failed?.(item);
      if (failure) {
        w.reject(failure);
        continue;
      }
      if (item !== undefined && w.opts.done(item)) {
        w.resolve(item);
        continue;
      }
      if (now - w.start >= w.opts.timeoutMs) {
        w.reject(
          new ProviderError(`timed out after ${Math.round((now - w.start) / 1000)}s waiting for ${w.opts.what}`),
        );
      } else if (w.opts.log && now - w.lastProgress >= (w.opts.progressEveryMs ?? 60_000)) {
        w.opts.log.info(`still waiting for ${w.opts.what} (${Math.round((now - w.start) / 1000)}s)`);
        w.lastProgress = now;
      }
    }
  }
}
