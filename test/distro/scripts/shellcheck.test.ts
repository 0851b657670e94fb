import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMBOS, comboName, scriptsFor } from './matrix.js';

function shellcheck(body: string): { status: number | null; output: string } {
  const r = spawnSync('shellcheck', ['-s', 'bash', '-'], { input: body, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('every generated script passes shellcheck', () => {
  it.each(COMBOS.map((c) => [comboName(c), c] as const))('%s', (_name, combo) => {
    for (const script of scriptsFor(combo)) {
      const r = shellcheck(script.body);
      if (r.status !== 0) console.error(`shellcheck ${script.name}:\n${r.output}\n--- script ---\n${script.body}`);
      expect(r.status, `${script.name}: ${r.output}`).toBe(0);
    }
  });
});

describe('script shape', () => {
  it.each(COMBOS.map((c) => [comboName(c), c] as const))('%s: strict prelude, bash syntax', (_name, combo) => {
    for (const script of scriptsFor(combo)) {
      expect(script.body.startsWith('#!/usr/bin/env bash\nset -euo pipefail\n'), script.name).toBe(true);
      const syntax = spawnSync('bash', ['-n'], { input: script.body, encoding: 'utf8' });
      expect(syntax.status, `${script.name}: ${syntax.stderr}`).toBe(0);
    }
  });

  // Under pipefail, a reader that stops at its first match (`grep -q`, `grep -m`, `head`) can SIGPIPE the
  // writer and fail the pipeline although the match was found: a node once pulled an image it had.
  it.each(COMBOS.map((c) => [comboName(c), c] as const))(
    '%s: no pipeline ends in an early-exiting reader',
    (_name, combo) => {
      const early = /\|\s*(grep\s+-[A-Za-z]*[qm]|head\b)/;
      for (const script of scriptsFor(combo)) {
        const bad = script.body.split('\n').filter((l) => early.test(l) && !/bash -c '/.test(l));
        expect(bad, script.name).toEqual([]);
      }
    },
  );

  it.each(COMBOS.map((c) => [comboName(c), c] as const))('%s: deterministic', (_name, combo) => {
    expect(JSON.stringify(scriptsFor(combo))).toBe(JSON.stringify(scriptsFor(combo)));
  });
});
