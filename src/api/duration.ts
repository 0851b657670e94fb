/**
 * Durations as kubectl takes them (`--timeout 90s`, `5m`, `1h30m`, `1.5m`): Go's time.ParseDuration
 * form, a sequence of decimal numbers each with a unit. ksctl accepts the units a person waits in
 * (ms, s, m, h); a bare number is refused, since "5" could mean seconds or minutes.
 */
import { InputError } from '../errors.js';
import { quote } from './quote.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)/y;
const MAX_TEXT = 32;

/** Milliseconds of `text`, or what is wrong with it. */
export function durationMs(text: string): number | string {
  const form = 'write a number with a unit: ms, s, m or h (e.g. 90s, 5m, 1h30m)';
  if (text.length === 0 || text.length > MAX_TEXT) return `${quote(text)} is not a duration: ${form}`;
  if (/^\d+(\.\d*)?$/.test(text)) return `${quote(text)} has no unit: ${form}`;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const at = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== at) return `${quote(text)} is not a duration: ${form}`;
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  }
  return Math.round(total);
}

/** `text` as milliseconds within [minMs, maxMs], or exit 2 naming `flag`. */
export function parseDuration(text: string, flag: string, bounds: { minMs: number; maxMs: number }): number {
  const ms = durationMs(text.trim());
  if (typeof ms === 'string') throw new InputError(`${flag}: ${ms}`, [flag]);
  if (ms < bounds.minMs || ms > bounds.maxMs)
    throw new InputError(
      `${flag}: ${quote(text)} is outside ${formatDuration(bounds.minMs)} to ${formatDuration(bounds.maxMs)}`,
      [flag],
    );
  return ms;
}

/** `5m`, `90s`, `1h30m`: the shortest form that durationMs reads back to the same value (whole seconds). */
export function formatDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  let s = ms / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
