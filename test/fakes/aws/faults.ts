/** Fault injection settings (serialisable) and a seeded random source for throttling. */
export interface FaultConfig {
  /** Fraction of calls (0..1) answered with the service's throttling error before they take effect. */
  throttleRate: number;
  seed: number;
  /**
   * Crash at the Nth mutating call (1-based, counted from when it was armed; only calls of `op`,
   * e.g. `ec2:RunInstances`, when given), before or after it takes effect.
   */
  crash?: { at: number; when: 'before' | 'after'; op?: string };
  /** Fail the Nth call (1-based, counted from when it was added) of `op` (e.g. `ec2:RunInstances`) with `code`. */
  fail: { op: string; nth: number; code: string; message?: string }[];
  /** `missing`: the credential provider finds nothing; `expired`: every call is rejected as expired. */
  credentials: 'ok' | 'missing' | 'expired';
}

export const noFaults = (): FaultConfig => ({ throttleRate: 0, seed: 1, fail: [], credentials: 'ok' });

/** mulberry32: small, fast, deterministic. */
export function rng(state: { seed: number }): () => number {
  return () => {
    state.seed = (state.seed + 0x6d2b79f5) | 0;
    let t = state.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const isMutating = (op: string) => !/^(Describe|Get|List)/.test(op);
