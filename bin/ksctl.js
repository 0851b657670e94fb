#!/usr/bin/env node
// The one place that decides the process exit code: 0 ok, 1 failed, 2 bad input, 3 locked/conflict,
// 130 interrupted. Everything else throws KsctlErrors that carry their code.
//
// CommonJS on purpose (bin/package.json): `switch` and `get clusters` run from one CommonJS file
// (dist/fast/fast.cjs) without Node's ES module loader; every other command line goes to the full CLI
// (dist/bundle/main.mjs). See src/cli/fast.ts.
'use strict';

const FAST = require('node:path').join(__dirname, '..', 'dist', 'fast', 'fast.cjs');
const mod = require('node:module');
// Node >= 22.1 caches compiled code between runs (module.enableCompileCache); Node 20 has no such cache.
const nodeCompileCache = typeof mod.enableCompileCache === 'function';
if (nodeCompileCache) mod.enableCompileCache();

/**
 * dist/fast/fast.cjs, compiled from V8's code cache when one fits. Node >= 22.1 keeps its own compile
 * cache (module.enableCompileCache); Node 20 has none, and compiling the bundle is a good part of the
 * start-up, so here the cache is `fast.cjs.v8cache` beside it: made at build time (scripts/bundle.mjs
 * runs the fast path once) and remade after a run that could not use it, when dist is writable.
 *
 * V8 checks the cache against its own version and flags (script.cachedDataRejected), but against the
 * source only by length; the cache therefore names the Node version and the identity of the fast.cjs it
 * was made from (device, inode, size, mtime), and any other file compiles from source.
 */
function loadFast() {
  if (nodeCompileCache) return { fast: require(FAST) };
  const fs = require('node:fs');
  const vm = require('node:vm');
  const fd = fs.openSync(FAST, 'r');
  let source;
  let st;
  try {
    st = fs.fstatSync(fd, { bigint: true });
    source = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  const id = `${process.version} ${process.arch} ${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
  const cacheFile = `${FAST}.v8cache`;
  let cachedData;
  try {
    const buf = fs.readFileSync(cacheFile);
    const n = buf.readUInt16LE(0);
    if (buf.toString('latin1', 2, 2 + n) === id) cachedData = buf.subarray(2 + n);
  } catch {
    // no cache (or not ours): compile from source
  }
  // No importModuleDynamically: the bundle holds no import() (scripts/bundle.mjs checks).
  const script = new vm.Script(mod.wrap(source), { filename: FAST, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, mod.createRequire(FAST), module, FAST, require('node:path').dirname(FAST));
  if (cachedData !== undefined && !script.cachedDataRejected) return { fast: module.exports };
  // Made after the command ran: the cache then holds the functions it compiled, not just the top level.
  const save = () => {
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    let out;
    try {
      out = fs.openSync(tmp, 'wx', 0o644);
    } catch {
      return; // dist is read-only: the next run compiles from source again, as without a cache
    }
    try {
      try {
        const header = Buffer.from(id, 'latin1');
        const len = Buffer.alloc(2);
        len.writeUInt16LE(header.length);
        fs.writeFileSync(out, Buffer.concat([len, header, script.createCachedData()]));
      } finally {
        fs.closeSync(out);
      }
      fs.renameSync(tmp, cacheFile); // readers see the old cache or the new one, never half of one
    } catch {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // already gone: nothing to clean up
      }
    }
  };
  return { fast: module.exports, save };
}

const argv = process.argv.slice(2);
const loaded = process.env.KSCTL_NO_FAST_PATH ? undefined : loadFast();
const parsed = loaded && loaded.fast.parseFast(argv);

const finish =
  (cli) =>
  ({ error, verbose }) => {
    if (error !== undefined) {
      const text = cli.formatError(error, verbose);
      if (text) process.stderr.write(`${text}\n`);
      process.exitCode = cli.exitCodeOf(error);
    }
    if (loaded && loaded.save) loaded.save();
  };

if (parsed) loaded.fast.runFast(argv, parsed).then(finish(loaded.fast));
else import('../dist/bundle/main.mjs').then((cli) => cli.run(argv).then(finish(cli)));
