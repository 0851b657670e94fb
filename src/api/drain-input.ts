/**
 * The drain flags every command that removes nodes takes (`scale nodepool`, `delete nodepool`,
 * `apply -f`), turned into DrainFlags with their defaults and bounds, and the whole-number flags
 * (`--count`, `--min`, `--max`) read from their text.
 */
import { InputError } from '../errors.js';
import { parseDuration } from './duration.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, type DrainFlags } from './pool-change.js';
import { quote } from './quote.js';

/** The flags as commander hands them over (`--drain-timeout 5m --force --delete-emptydir-data`). */
export interface DrainInput {
  drainTimeout?: string;
  force?: boolean;
  deleteEmptydirData?: boolean;
}

/**
 * A drain waits at least a second (kubectl reads `--timeout=0` as "forever"; ksctl's drain is always
 * bounded) and at most a day: a PodDisruptionBudget that blocks for longer is a decision to make by
 * hand, with `--force` or by changing the budget.
 */
export const MIN_DRAIN_TIMEOUT_MS = 1000;
export const MAX_DRAIN_TIMEOUT_MS = 24 * 3_600_000;

export function drainFlagsOf(input: DrainInput): DrainFlags {
  return {
    timeoutMs:
      input.drainTimeout === undefined
        ? DEFAULT_DRAIN_TIMEOUT_MS
        : parseDuration(input.drainTimeout, '--drain-timeout', {
            minMs: MIN_DRAIN_TIMEOUT_MS,
            maxMs: MAX_DRAIN_TIMEOUT_MS,
          }),
    force: !!input.force,
    deleteEmptyDirData: !!input.deleteEmptydirData,
  };
}

/**
 * A flag's whole number (`--count 3`), undefined when not given. A negative number is returned as it
 * is, so the pool rules name it with the field it sets ("must be a whole number >= 0, got -1").
 */
export function wholeNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) throw new InputError(`${flag} must be a whole number, got ${quote(text)}`, [flag]);
  return Number(t);
}
