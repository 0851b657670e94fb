/**
 * ARCHITECTURE.md decision 6: loading the GCP provider loads no Google SDK; the first call loads only
 * the client it needs, by deep import (never the @google-cloud/compute index, ≈0.9 s).
 * Checked statically (imports) and in a fresh Node process (the provider bundled by esbuild with
 * packages external, so what Node loads is exactly what the provider asks for).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { gcpSpec } from '../../fakes/gcp/world.js';

const root = join(import.meta.dirname, '../../..');
const dir = join(root, 'src/cloud/gcp');
const files = (d: string): string[] =>
  readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));

describe('lazy GCP SDK loading', () => {
  it.each(
    files(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [f.slice(dir.length + 1), f]),
  )('%s imports Google SDKs only as types or with await import()', (_n, file) => {
    const text = readFileSync(file, 'utf8');
    // Whole statements, not lines: a formatter may spread one import over several lines.
    const eager =
      text.match(/^import\s+(?!type\b)[^;]*from\s+'(@google-cloud\/|google-gax|google-auth-library)[^']*'/gm) ?? [];
    expect(eager).toEqual([]);
    expect(text, 'never the package index').not.toMatch(/import\('@google-cloud\/compute'\)/);
  });

  it('in a fresh process: nothing loads until a client is used, then only that client', async () => {
    const out = join(root, 'node_modules/.cache/ksctl-gcp-lazy');
    mkdirSync(out, { recursive: true });
    await build({
      entryPoints: [join(dir, 'index.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: join(out, 'index.mjs'),
      logLevel: 'silent',
    });
    writeFileSync(
      join(out, 'probe.mjs'),
      `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const loaded = () => Object.keys(require.cache).filter((k) => /@google-cloud|google-gax/.test(k)).map((k) => k.slice(k.lastIndexOf('node_modules/') + 13));
const m = await import('./index.mjs');
const notFound = (req, md, o, cb) => { const e = new Error('not found'); e.code = 5; setImmediate(() => cb(e)); return { cancel() {} }; };
const p = m.createGcpSelfManaged({ runtime: {
  env: {}, adc: async () => ({ project: 'lazy-test-project' }), lookupPublicIp: async () => '198.51.100.1',
  configureClient: (c) => { c._gaxGrpc.createStub = async () => new Proxy({}, { get: (_, k) => (k === 'then' ? undefined : notFound) }); },
} });
const before = loaded();
const spec = ${JSON.stringify(gcpSpec())};
const log = { debug() {}, info() {}, warn() {}, error() {}, child() { return log; } };
let error;
try { await p.preflight({ spec, cluster: { state: undefined }, log, signal: new AbortController().signal }); } catch (e) { error = e.name + ': ' + e.message; }
console.log(JSON.stringify({ before, after: loaded(), error }));
`,
    );
    const res = JSON.parse(execFileSync(process.execPath, [join(out, 'probe.mjs')], { encoding: 'utf8' })) as {
      before: string[];
      after: string[];
      error: string;
    };
    expect(res.before).toEqual([]);
    expect(res.error).toMatch(/InputError: region us-central1 is not available/);
    expect(res.after).toContain('@google-cloud/compute/build/src/v1/regions_client.js');
    expect(res.after).not.toContain('@google-cloud/compute/build/src/index.js');
    expect(res.after).not.toContain('@google-cloud/compute/build/src/v1/instances_client.js');
    expect(res.after.some((f) => f.startsWith('@google-cloud/container'))).toBe(false);
  }, 30_000);
});
