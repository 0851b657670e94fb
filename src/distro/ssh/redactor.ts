/**
 * Redaction for one command: the globally registered secrets (util/redact.ts) plus the values the
 * caller names for this command and the sudo password.
 */
import { redact } from '../../util/redact.js';

export type Redactor = (text: string) => string;

/** Values shorter than this are not redacted per command (redacting "1" would mangle everything). */
const MIN_LENGTH = 4;

export function makeRedactor(extra: readonly (string | undefined)[] = []): Redactor {
  const values = extra
    .filter((v): v is string => typeof v === 'string' && v.length >= MIN_LENGTH)
    .sort((a, b) => b.length - a.length); // longest first, so a secret containing another is fully hidden
  return (text) => {
    let out = text;
    for (const v of values) if (out.includes(v)) out = out.split(v).join('[REDACTED]');
    return redact(out);
  };
}
