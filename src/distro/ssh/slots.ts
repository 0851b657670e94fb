/**
 * A counting semaphore for the channels of one connection: sshd refuses sessions beyond its
 * MaxSessions (10 by default), so parallel steps on one machine queue here instead of failing.
 */
import { interrupted } from './backoff.js';

export class Slots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw interrupted(signal);
    if (this.used < this.size) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(); // the releasing holder passed its slot on: `used` is unchanged
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(interrupted(signal!));
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }
}
