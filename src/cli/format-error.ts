/** How an error leaves the process: one clear line (plus a hint), the stack only with --verbose. Secrets never. */
import { isKsctlError } from '../errors.js';
import { redact } from '../util/redact.js';

export function formatError(e: unknown, verbose: boolean): string {
  if ((e as { printed?: boolean }).printed) return '';
  const msg = e instanceof Error ? e.message : String(e);
  let out = `Error: ${msg}`;
  if (isKsctlError(e) && e.hint) out += `\nHint: ${e.hint}`;
  if (verbose && e instanceof Error && e.stack) out += `\n${e.stack.split('\n').slice(1).join('\n')}`;
  if (verbose && e instanceof Error && e.cause) out += `\nCaused by: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}`;
  return redact(out);
}
