/**
 * Secret values registered here are replaced by `[REDACTED]` in every line that leaves the process
 * (progress, logs, errors). Secrets register themselves when generated or read from the SecretStore.
 * Short values are ignored: redacting "1" would mangle everything.
 */
const secrets = new Set<string>();
const MIN_LENGTH = 8;

export function registerSecret(value: string | undefined): void {
  if (!value) return;
  const v = value.trim();
  if (v.length >= MIN_LENGTH) secrets.add(v);
  // Multi-line secrets (keys, kubeconfigs) also leak line by line.
  if (v.includes('\n')) {
    for (const line of v.split('\n')) {
      const l = line.trim();
      if (l.length >= 16 && !/^-----(BEGIN|END) /.test(l)) secrets.add(l);
    }
  }
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  }
  // Belt and braces for material we never registered (a user's own key pasted into an error).
  out = out.replace(
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
    '[REDACTED PRIVATE KEY]',
  );
  out = out.replace(
    /\b(client-key-data|client-certificate-data|token|password)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
    '$1$2[REDACTED]',
  );
  return out;
}

/** For tests. */
export function clearSecrets(): void {
  secrets.clear();
}
