/**
 * A user's value, safe to echo in an error: JSON-quoted (so NUL bytes, escapes and newlines cannot
 * reach the terminal raw) and cut to a readable length (a 1 MB flag value stays one short line).
 */
const MAX_SHOWN = 60;

export function quote(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  /* eslint-disable @typescript-eslint/no-base-to-string -- String() only for what JSON cannot show (functions, cycles) */
  const s =
    typeof v === 'string'
      ? v
      : (() => {
          try {
            return JSON.stringify(v) ?? String(v);
          } catch {
            return String(v);
          }
        })();
  /* eslint-enable @typescript-eslint/no-base-to-string */
  const cut = s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s;
  return `${JSON.stringify(cut)}${s.length > MAX_SHOWN ? ` (${s.length} characters)` : ''}`;
}

/** Text with every run of 120+ non-space characters cut (commander echoes arguments it rejects). */
export function shortenTokens(text: string): string {
  return text.replace(/[^\s']{120,}/g, (t) => `${t.slice(0, MAX_SHOWN)}… (${t.length} characters)`);
}
