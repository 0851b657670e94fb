#!/usr/bin/env node
// The one place that decides the process exit code: 0 ok, 1 failed, 2 bad input, 3 locked/conflict,
// 130 interrupted. Everything else throws KsctlErrors that carry their code.
import module from 'node:module';

// Node >= 22.1 caches compiled code between runs (a no-op on Node 20).
module.enableCompileCache?.();

const { run, formatError, exitCodeOf } = await import('../dist/bundle/main.mjs');

const { error, verbose } = await run(process.argv.slice(2));
if (error !== undefined) {
  const text = formatError(error, verbose);
  if (text) process.stderr.write(`${text}\n`);
  process.exitCode = exitCodeOf(error);
}
