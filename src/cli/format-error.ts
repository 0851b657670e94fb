/** How an error leaves the process: one clear line (plus a hint), the stack only with --verbose. Secrets never. */
import { InputError, isKsctlError } from '../errors.js';
import { redact } from '../util/redact.js';

export function formatError(e: unknown, verbose: boolean): string {
  if ((e as { printed?: boolean }).printed) return '';
  const msg = e instanceof Error ? e.message : String(e);
  let out = `Error: ${msg}`;
  // Bad input names the field to fix, when the message does not already.
  if (e instanceof InputError && e.fields.length > 0 && !e.fields.some((f) => msg.includes(f)))
    out += ` (${e.fields.join(', ')})`;
  if (isKsctlError(e) && e.hint) out += `\nHint: ${e.hint}`;
  // A stack helps with a bug or a failed cloud call; for bad input the message is the whole story.
  const userError = isKsctlError(e) && e.userError;
  if (verbose && !userError && e instanceof Error && e.stack) out += `\n${e.stack.split('\n').slice(1).join('\n')}`;
  if (verbose && e instanceof Error && e.cause) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- whatever was thrown: String() is the last resort
    out += `\nCaused by: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}`;
  }
  return redact(out);
}
