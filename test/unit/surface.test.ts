/** ksctl advertises only commands that exist: the help text, README and package description. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/commands/program.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const program = buildProgram(
  {
    env: {},
    signal: new AbortController().signal,
    argv: [],
    io: () => {
      throw new Error('not used');
    },
  },
  'test',
);
const commands = new Set(program.commands.map((c) => c.name()));

describe('the advertised surface', () => {
  it.each([
    ['ksctl --help', program.description()],
    [
      'package.json',
      (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { description: string }).description,
    ],
    ['README.md', readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n\n')[1]!],
  ])('%s names no verb ksctl lacks', (_where, text) => {
    for (const verb of ['heal', 'scale', 'upgrade', 'backup']) {
      if (new RegExp(`\\b${verb}\\b`, 'i').test(text))
        expect(commands.has(verb), `"${verb}" is advertised in: ${text}`).toBe(true);
    }
    for (const verb of ['create', 'switch', 'delete', 'add']) expect(commands.has(verb)).toBe(true);
  });
});
