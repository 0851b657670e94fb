/** Helpers that ask the real openssl / ssh-keygen about generated material. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Write `files` into a fresh temp dir, run `fn(dir)`, always remove the dir. */
export function withFiles<T>(files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ksctl-pki-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o600 });
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function run(cmd: string, args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** `openssl x509 -noout <args>` on a PEM certificate. */
export function x509(cert: string, ...args: string[]): string {
  const r = run('openssl', ['x509', '-noout', ...args], cert);
  if (r.status !== 0) throw new Error(`openssl x509 ${args.join(' ')}: ${r.out}`);
  return r.out;
}

/** `openssl verify -CAfile ca cert` (with purpose checks when given). */
export function verify(
  ca: string,
  cert: string,
  purpose?: 'sslserver' | 'sslclient',
  at?: Date,
): { status: number | null; out: string } {
  const opts = [
    ...(purpose ? ['-purpose', purpose] : []),
    ...(at ? ['-attime', String(Math.floor(at.getTime() / 1000))] : []),
  ];
  return withFiles({ 'ca.crt': ca, 'leaf.crt': cert }, (d) =>
    run('openssl', ['verify', ...opts, '-CAfile', join(d, 'ca.crt'), join(d, 'leaf.crt')]),
  );
}

/** The public key of a private key and of a certificate, as PEM, for matching. */
export function publicKeyOfKey(key: string): string {
  return run('openssl', ['pkey', '-pubout'], key).out;
}
export function publicKeyOfCert(cert: string): string {
  return run('openssl', ['x509', '-noout', '-pubkey'], cert).out;
}
