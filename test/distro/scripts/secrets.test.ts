/**
 * Secrets never travel in a script: bodies, env and file lists carry names, never values. The
 * planted values are what the executor would pass at run time.
 */
import { describe, expect, it } from 'vitest';
import { COMBOS, comboName, scriptsFor } from './matrix.js';

const PLANTED = {
  K3S_TOKEN: 'K10planted0123456789::server:plantedsecret',
  KUBEADM_TOKEN: 'plant0.plantedsecret0001',
  KUBEADM_CERT_KEY: 'c0ffee'.repeat(10) + 'c0ff',
};

describe('no secret in any script', () => {
  it.each(COMBOS.map((c) => [comboName(c), c] as const))('%s', (_name, combo) => {
    for (const s of scriptsFor(combo)) {
      const visible = JSON.stringify({ body: s.body, env: s.env, files: s.files, description: s.description });
      for (const value of Object.values(PLANTED)) expect(visible, s.name).not.toContain(value);
      // Secret names are declared, and only ones ksctl knows how to supply.
      for (const name of s.secretEnv ?? []) expect(Object.keys(PLANTED)).toContain(name);
      // Nothing secret in env; no tracing that would echo expanded values.
      for (const key of Object.keys(s.env ?? {})) expect(key).not.toMatch(/TOKEN|KEY|PASSWORD|SECRET/);
      expect(s.body).not.toMatch(/set -x|set -o xtrace/);
      // Secret env values only reach files through printf (a builtin) or in-shell substitution.
      for (const name of s.secretEnv ?? []) {
        for (const line of s.body.split('\n').filter((l) => l.includes(`$${name}`))) {
          expect(line, `${s.name}: ${line}`).toMatch(
            /^(printf '(K10[0-9a-f]{64}::server:)?%s\\n' "\$\w+" \||config=\$\{config\/\/|\[\[ \$\w+ =~ )/,
          );
        }
      }
      // Uploaded keys are never world-readable.
      for (const f of s.files ?? []) if (f.contentRef.endsWith('.key')) expect(f.mode & 0o077, f.path).toBe(0);
    }
  });
});
