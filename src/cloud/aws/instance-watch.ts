/**
 * Waiting for many instances at once: one DescribeInstances per tick naming every instance being
 * waited on, instead of one poll loop per instance. Per-instance polling costs a call per machine
 * per interval (≈25 calls/s at 100 machines, above EC2's refill rate for describe calls), and its
 * backoff (up to 10 s between polls) adds seconds after each instance is already running. Batched,
 * the cost is one call per tick whatever the cluster size, so the tick can be short.
 */
import { InterruptedError, ProviderError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import { isNotFound } from './errors.js';
import type { Clock } from './runtime.js';
import type { Ec2Api, Instance } from './sdk.js';

export interface InstanceWaitOptions {
  /** Names the wait in progress lines and errors, e.g. `demo-worker-0 (i-0abc) to run`. */
  what: string;
  /** The instance is what we wait for: resolve with it. */
  done(inst: Instance): boolean;
  /** A message when the instance can no longer get there (e.g. it was terminated). */
  failed?(inst: Instance): string | undefined;
  timeoutMs: number;
  signal: AbortSignal;
  log?: Logger;
  /** Log "still waiting" at most this often (default 60 s). */
  progressEveryMs?: number;
}

interface Waiter {
  id: string;
  opts: InstanceWaitOptions;
  start: number;
  lastProgress: number;
  resolve(inst: Instance): void;
  reject(e: unknown): void;
}

/** Ids per DescribeInstances call (EC2 accepts up to 1000). */
const BATCH = 200;

export class InstanceWatcher {
  private readonly waiters = new Set<Waiter>();
  private running = false;

  constructor(
    private readonly ec2: Pick<Ec2Api, 'describeInstances'>,
    private readonly clock: Clock,
    private readonly tickMs = 1000,
  ) {}

  /** Resolves with the instance once `done` holds for it (checked every tick, first after one tick). */
  wait(id: string, opts: InstanceWaitOptions): Promise<Instance> {
    if (opts.signal.aborted) return Promise.reject(new InterruptedError(`interrupted while waiting for ${opts.what}`));
    return new Promise<Instance>((resolve, reject) => {
      const onAbort = () => settle(() => reject(new InterruptedError(`interrupted while waiting for ${opts.what}`)));
      const settle = (f: () => void) => {
        if (!this.waiters.delete(w)) return;
        opts.signal.removeEventListener('abort', onAbort);
        f();
      };
      const now = this.clock.now();
      const w: Waiter = {
        id,
        opts,
        start: now,
        lastProgress: now,
        resolve: (inst) => settle(() => resolve(inst)),
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

  private async tick(waiters: Waiter[]): Promise<void> {
    const ids = [...new Set(waiters.map((w) => w.id))];
    const found = new Map<string, Instance>();
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      try {
        for (const inst of await this.describe(batch)) if (inst.InstanceId) found.set(inst.InstanceId, inst);
      } catch (e) {
        for (const w of waiters) if (batch.includes(w.id)) w.reject(e);
      }
    }
    const now = this.clock.now();
    for (const w of waiters) {
      const inst = found.get(w.id);
      if (inst) {
        const why = w.opts.failed?.(inst);
        if (why) {
          w.reject(new ProviderError(why));
          continue;
        }
        if (w.opts.done(inst)) {
          w.resolve(inst);
          continue;
        }
      }
      if (now - w.start >= w.opts.timeoutMs) {
        w.reject(new ProviderError(`timed out after ${Math.round((now - w.start) / 1000)}s waiting for ${w.opts.what}`));
      } else if (w.opts.log && now - w.lastProgress >= (w.opts.progressEveryMs ?? 60_000)) {
        w.opts.log.info(`still waiting for ${w.opts.what} (${Math.round((now - w.start) / 1000)}s)`);
        w.lastProgress = now;
      }
    }
  }

  /** The instances among `ids` that EC2 already knows (a just-launched one may not be visible yet). */
  private async describe(ids: string[]): Promise<Instance[]> {
    try {
      const out: Instance[] = [];
      let NextToken: string | undefined;
      do {
        const page = await this.ec2.describeInstances({ InstanceIds: ids, ...(NextToken ? { NextToken } : {}) });
        for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []));
        NextToken = page.NextToken || undefined;
      } while (NextToken);
      return out;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      if (ids.length === 1) return [];
      // One unknown id fails the whole call. EC2 names the unknown ones ("The instance IDs 'i-1, i-2'
      // do not exist"): ask again without them; if it does not, ask one by one.
      const text = `${(e as Error).message} ${((e as { cause?: unknown }).cause as Error | undefined)?.message ?? ''}`;
      const rest = ids.filter((id) => !text.includes(id));
      if (rest.length < ids.length) return rest.length > 0 ? this.describe(rest) : [];
      return (await Promise.all(ids.map((id) => this.describe([id])))).flat();
    }
  }
}

const watchers = new WeakMap<object, InstanceWatcher>();

/** The watcher shared by every wait on this EC2 client (one batched poll per region and account). */
export function instanceWatcher(ec2: Pick<Ec2Api, 'describeInstances'>, clock: Clock): InstanceWatcher {
  let w = watchers.get(ec2);
  if (!w) {
    w = new InstanceWatcher(ec2, clock);
    watchers.set(ec2, w);
  }
  return w;
}
