/**
 * "Does it exist yet?" for many resources of one type at once: every lookup made in the same turn
 * of the event loop shares one list of that type in that group. A create asks before each PUT
 * (arm.ts ensureArm), and at 100 workers that was ≈320 GETs within a few seconds, above ARM's read
 * bucket; all machines start together, so most of their lookups land in the same few lists.
 */
import { isNotFound } from './errors.js';
import type { ArmResource } from './sdk.js';

interface Batch {
  group: string;
  type: string;
  waiters: Map<string, { resolve(r: ArmResource | undefined): void; reject(e: unknown): void }[]>;
}

export class CoalescedLookup {
  private readonly pending = new Map<string, Batch>();

  constructor(
    /** Every resource of `type` in `group` (a missing group is "not found"). */
    private readonly list: (group: string, type: string) => Promise<ArmResource[]>,
  ) {}

  /** The resource named `name`, or undefined when it does not exist. */
  find(group: string, type: string, name: string): Promise<ArmResource | undefined> {
    const key = `${group}/${type}`.toLowerCase();
    let batch = this.pending.get(key);
    if (!batch) {
      batch = { group, type, waiters: new Map() };
      this.pending.set(key, batch);
      setImmediate(() => void this.flush(key));
    }
    const b = batch;
    return new Promise((resolve, reject) => {
      const n = name.toLowerCase(); // ARM names are case-insensitive
      b.waiters.set(n, [...(b.waiters.get(n) ?? []), { resolve, reject }]);
    });
  }

  private async flush(key: string): Promise<void> {
    const b = this.pending.get(key)!;
    this.pending.delete(key);
    let byName: Map<string, ArmResource>;
    try {
      byName = new Map((await this.list(b.group, b.type)).map((r) => [String(r.name).toLowerCase(), r]));
    } catch (e) {
      if (!isNotFound(e)) {
        for (const ws of b.waiters.values()) for (const w of ws) w.reject(e);
        return;
      }
      byName = new Map();
    }
    for (const [n, ws] of b.waiters) for (const w of ws) w.resolve(byName.get(n));
  }
}
