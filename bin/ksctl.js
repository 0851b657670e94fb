#!/usr/bin/env node
// The one place that decides the process exit code: 0 ok, 1 failed, 2 bad input, 3 locked/conflict,
// 130 interrupted. Everything else throws KsctlErrors that carry their code.
import { run, formatError } from '../dist/cli/main.js';
import { exitCodeOf } from '../dist/errors.js';

const { error, verbose } = await run(process.argv.slice(2));
if (error !== undefined) {
  const text = formatError(error, verbose);
  if (text) process.stderr.write(`${text}\n`);
  process.exitCode = exitCodeOf(error);
}
