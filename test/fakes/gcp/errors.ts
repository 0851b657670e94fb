/**
 * Errors as the Google SDK raises them: gax `GoogleError` with a gRPC status code (5 NOT_FOUND,
 * 6 ALREADY_EXISTS, 8 RESOURCE_EXHAUSTED, 9 FAILED_PRECONDITION, 16 UNAUTHENTICATED), and the
 * simulated process death of the crash faults.
 */
import { GoogleError } from 'google-gax';

export const CODES = {
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INVALID_ARGUMENT: 3,
  UNAUTHENTICATED: 16,
} as const;

export function googleError(code: keyof typeof CODES, message: string): GoogleError {
  const e = new GoogleError(message);
  e.code = CODES[code];
  e.reason = code;
  return e;
}

export const notFound = (what: string) => googleError('NOT_FOUND', `The resource '${what}' was not found`);
export const alreadyExists = (what: string) => googleError('ALREADY_EXISTS', `The resource '${what}' already exists`);
export const throttled = () => googleError('RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric: rateLimitExceeded');

/** The fake "process" died at this call (a crash fault). */
export class SimulatedCrash extends Error {
  constructor(at: string) {
    super(`simulated crash at ${at}`);
    this.name = 'SimulatedCrash';
  }
}

export const isSimulatedCrash = (e: unknown): boolean =>
  e instanceof SimulatedCrash || (e as Error | undefined)?.name === 'SimulatedCrash';
