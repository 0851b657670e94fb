/** Fault injection settings for FakeAzure (mirrors test/fakes/aws/faults.ts). */
export { rng } from '../aws/faults.js';

export interface AzureFaultConfig {
  /** Fraction of calls (0..1) answered with 429 + Retry-After before they take effect. */
  throttleRate: number;
  seed: number;
  /** Crash at the Nth mutating call (1-based, counted from when armed; only calls of `op` when given). */
  crash?: { at: number; when: 'before' | 'after'; op?: string };
  /** Fail the Nth call of `op` (e.g. `PUT virtualMachines`) with an ARM error. */
  fail: { op: string; nth: number; status: number; code: string; message?: string }[];
  /** Accept the Nth PUT of `op` (e.g. `PUT virtualMachines`), then let its async operation end Failed with this error. */
  failOp: { op: string; nth: number; code: string; message?: string }[];
  /** `missing`: the credential finds nothing; `expired`: ARM rejects every token. */
  credentials: 'ok' | 'missing' | 'expired';
}

export const noFaults = (): AzureFaultConfig => ({ throttleRate: 0, seed: 1, fail: [], failOp: [], credentials: 'ok' });

/** PUT, PATCH, DELETE and POSTs other than list* change something. */
export function isMutating(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD') return false;
  if (method === 'POST') return !/\/list[a-z]*$/i.test(path);
  return true;
}

/** Thrown by every call once the fake "process" crashed. */
export class SimulatedCrash extends Error {
  constructor(at: string) {
    super(`simulated crash at ${at}`);
    this.name = 'SimulatedCrash';
  }
}

export const isSimulatedCrash = (e: unknown): boolean => e instanceof SimulatedCrash;
