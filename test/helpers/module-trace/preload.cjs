// Records every module a Node process loads, CommonJS and ES modules, one per line in the file named by
// KSCTL_MODULE_TRACE: for tests asserting that start-up never loads a heavy package. Use with
// `node --require <this file> ...`.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const { pathToFileURL } = require('node:url');
const out = process.env.KSCTL_MODULE_TRACE;
if (out) {
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    const loaded = load.apply(this, arguments);
    try {
      fs.appendFileSync(out, `cjs ${Module._resolveFilename(request, parent, isMain)}\n`);
    } catch {
      fs.appendFileSync(out, `cjs ${request}\n`);
    }
    return loaded;
  };
  Module.register(pathToFileURL(require('node:path').join(__dirname, 'hooks.mjs')), { data: { out } });
}
