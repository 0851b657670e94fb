#!/usr/bin/env node
// The one place that decides the process exit code: 0 ok, 1 failed, 2 bad input, 3 locked/conflict,
// 130 interrupted. Everything else throws KsctlErrors that carry their code.
//
// CommonJS on purpose (bin/package.json): `switch` and `get clusters` run from one CommonJS file
// (dist/fast/fast.cjs) without Node's ES module loader; every other command line goes to the full CLI
// (dist/bundle/main.mjs). See src/cli/fast.ts.
'use strict';

// Node >= 22.1 caches compiled code between runs (a no-op on Node 20).
require('node:module').enableCompileCache?.();

const argv = process.argv.slice(2);
const fast = require('../dist/fast/fast.cjs');
const parsed = process.env.KSCTL_NO_FAST_PATH ? undefined : fast.parseFast(argv);

const finish = (cli) => ({ error, verbose }) => {
  if (error === undefined) return;
  const text = cli.formatError(error, verbose);
  if (text) process.stderr.write(`${text}\n`);
  process.exitCode = cli.exitCodeOf(error);
};

if (parsed) fast.runFast(argv, parsed).then(finish(fast));
else import('../dist/bundle/main.mjs').then((cli) => cli.run(argv).then(finish(cli)));
