/**
 * Waiting for many instances to run at once: per tick, one `instances.list` (filtered by the
 * cluster's label) in each zone that has an instance being waited on, instead of one
 * `instances.get` loop per instance. Per-instance polling costs a call per machine per interval
 * (≈35 calls/s at 100 machines with a 3 s interval) and its backoff (up to 10 s between polls)
 * added up to 6 s after each instance was already RUNNING. Batched, the cost is one call per zone
 * per tick whatever the cluster size, so the tick can be short.
 */
import { InterruptedError, ProviderError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import { getOrUndefined } from './operations.js';
import type { Clock } from './runtime.js';
import type { GceApi, Instance } from './sdk.js';

export interface InstanceWaitOptions {
  /** Names the wait in progress lines and errors, e.g. `demo-worker-0 to run`. */
  what: string;
  /** The instance is what we wait for: resolve with it. */
  done(inst: Instance): boolean;
  /** An error when the instance can no longer get there (gone: `undefined`; stopped...). */
  failed?(inst: Instance | undefined): Error | undefined;
  timeoutMs: number;
  signal: AbortSignal;
  log?: Logger;
  /** Log "still waiting" at most this often (default 60 s). */
  progressEveryMs?: number;
}

interface Waiter {
  zone: string;
  name: string;
  opts: InstanceWaitOptions;
  start: number;
  lastProgress: number;
  resolve(inst: Instance): void;
  reject(e: unknown): void;
}

export class InstanceWatcher {
  private readonly waiters = new Set<Waiter>();
  private running = false;

  constructor(
    private readonly gce: Pick<GceApi, 'listInstances' | 'getInstance'>,
    private readonly clock: Clock,
    /** The list filter: the cluster's label (every instance waited on carries it). */
    private readonly filter: string,
    private readonly tickMs = 1000,
  ) {}

  /** Resolves with the instance once `done` holds for it (checked every tick, first after one tick). */
  wait(zone: string, name: string, opts: InstanceWaitOptions): Promise<Instance> {
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
        zone,
        name,
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
    const zones = [...new Set(waiters.map((w) => w.zone))];
    const found = new Map<string, Instance>();
    const failedZones = new Map<string, unknown>();
    await Promise.all(
      zones.map(async (zone) => {
        try {
          for (const inst of await this.gce.listInstances(zone, this.filter)) found.set(`${zone}/${inst.name}`, inst);
        } catch (e) {
          failedZones.set(zone, e);
        }
      }),
    );
    await Promise.all(waiters.map((w) => this.check(w, found, failedZones)));
  }

  private async check(w: Waiter, found: Map<string, Instance>, failedZones: Map<string, unknown>): Promise<void> {
    if (failedZones.has(w.zone)) return w.reject(failedZones.get(w.zone));
    let inst = found.get(`${w.zone}/${w.name}`);
    try {
      // Not listed (its labels changed, or it is gone): only a direct get tells which.
      inst ??= await getOrUndefined(() => this.gce.getInstance(w.zone, w.name));
    } catch (e) {
      return w.reject(e);
    }
    const failure = w.opts.failed?.(inst);
    if (failure) return w.reject(failure);
    if (inst && w.opts.done(inst)) return w.resolve(inst);
    const now = this.clock.now();
    if (now - w.start >= w.opts.timeoutMs) {
      w.reject(new ProviderError(`timed out after ${Math.round((now - w.start) / 1000)}s waiting for ${w.opts.what}`));
    } else if (w.opts.log && now - w.lastProgress >= (w.opts.progressEveryMs ?? 60_000)) {
      w.opts.log.info(`still waiting for ${w.opts.what} (${Math.round((now - w.start) / 1000)}s)`);
      w.lastProgress = now;
    }
  }
}

const watchers = new WeakMap<object, Map<string, InstanceWatcher>>();

/** The watcher shared by every wait on this client and filter (one batched poll per zone and cluster). */
export function instanceWatcher(gce: Pick<GceApi, 'listInstances' | 'getInstance'>, clock: Clock, filter: string): InstanceWatcher {
  let byFilter = watchers.get(gce);
  if (!byFilter) watchers.set(gce, (byFilter = new Map()));
  let w = byFilter.get(filter);
  if (!w) byFilter.set(filter, (w = new InstanceWatcher(gce, clock, filter)));
  return w;
}
