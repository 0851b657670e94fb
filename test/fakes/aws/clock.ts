/**
 * FakeClock, in one of two modes:
 *
 * - `scaled`: fake time runs `scale` times faster than the wall clock (scale 1000 → a 30 s instance
 *   start takes 30 ms). For benchmarks next to real work (SSH to test hosts), where wall time counts.
 *   Note that everything, including the provider's own CPU time, is multiplied by `scale`.
 * - `virtual`: fake time moves only when someone sleeps on this clock: sleepers wake in deadline
 *   order, one per macrotask, and "now" jumps to the deadline. Code takes no fake time, so timeouts
 *   never fire because the machine was busy; the fake durations are exact and repeatable. For tests.
 *
 * The state is serialisable, so processes sharing a persisted fake cloud agree on "now".
 */
export interface ClockState {
  mode: 'scaled' | 'virtual';
  epochReal: number;
  epochFake: number;
  offset: number;
  scale: number;
}

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

export class FakeClock {
  private s: ClockState;
  private sleepers: Sleeper[] = [];
  private seq = 0;
  private ticking = false;

  constructor(state: Partial<ClockState> = {}) {
    const now = Date.now();
    this.s = { mode: 'scaled', epochReal: now, epochFake: now, offset: 0, scale: 1000, ...state };
  }

  get mode(): ClockState['mode'] {
    return this.s.mode;
  }

  get scale(): number {
    return this.s.scale;
  }

  /** Changing the scale keeps "now" continuous. */
  set scale(scale: number) {
    const now = this.now();
    this.s = { ...this.s, epochReal: Date.now(), epochFake: now, offset: 0, scale };
  }

  now(): number {
    const base = this.s.epochFake + this.s.offset;
    return this.s.mode === 'virtual' ? base : base + (Date.now() - this.s.epochReal) * this.s.scale;
  }

  /** Jumps forward (waking virtual sleepers that are now due). */
  advance(ms: number): void {
    this.s.offset += ms;
    this.schedule();
  }

  /** Wall milliseconds that correspond to `ms` of fake time (for delays the SDK runs on real timers). */
  wallMs(ms: number): number {
    return this.s.mode === 'virtual' ? ms / 10_000 : ms / Math.max(this.s.scale, 1e-9);
  }

  /** Sleeps `ms` of fake time. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let done = false;
      const finish = () => {
        done = true;
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (done) return;
        finish();
        clearTimeout(timer);
        this.sleepers = this.sleepers.filter((x) => x !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const sleeper: Sleeper = {
        at: this.now() + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => (finish(), resolve()),
      };
      let timer: NodeJS.Timeout | undefined;
      if (this.s.mode === 'scaled') {
        timer = setTimeout(() => sleeper.resolve(), this.wallMs(ms));
      } else {
        this.sleepers.push(sleeper);
        this.schedule();
      }
    });
  }

  private schedule(): void {
    if (this.ticking || this.sleepers.length === 0) return;
    this.ticking = true;
    setImmediate(() => {
      this.ticking = false;
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.sleepers.shift();
      if (next) {
        const now = this.now();
        if (next.at > now) this.s.offset += next.at - now;
        next.resolve();
      }
      this.schedule();
    });
  }

  toJSON(): ClockState {
    return { ...this.s };
  }
}
