/** The generated references in docs/ match the code; regenerate with `npm run docs`. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// @ts-expect-error plain JS module without types
const gen = (await import('../../scripts/gen-docs.mjs')) as {
  commandReference(): string;
  clusterFileReference(): string;
  versionsReference(): string;
};

describe('docs', () => {
  it.each([
    ['docs/commands.md', () => gen.commandReference()],
    ['docs/cluster-file.md', () => gen.clusterFileReference()],
    ['docs/versions.md', () => gen.versionsReference()],
  ])('%s is up to date (run `npm run docs`)', (file, make) => {
    expect(readFileSync(path.join(ROOT, file), 'utf8')).toBe(make());
  });

  it('the README starts with the set-up/main-job command and the test command', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const firstBlock = /```(?:bash|sh)?\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toMatch(/npm ci/);
    expect(firstBlock).toMatch(/create cluster .*--provider local/);
    expect(firstBlock).toMatch(/npm test/);
  });
});
