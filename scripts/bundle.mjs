// Bundles the CLI into dist/bundle/ (one entry plus lazily loaded chunks) so start-up resolves a few
// files instead of hundreds. Cloud SDKs, ssh2 and the other heavy, optional packages stay external:
// they load from node_modules only when a command needs them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true }); // chunk names change with content
rmSync('dist/fast', { recursive: true, force: true });

// google-gax and google-auth-library too: bundled, they break (`__dirname` in ESM) and would be a
// second copy beside the one @google-cloud/* loads (the GCP proto-cache patch must hit that one).
const external = [
  '@aws-sdk/*',
  '@smithy/*',
  '@azure/*',
  '@google-cloud/*',
  'google-gax',
  'google-auth-library',
  '@kubernetes/*',
  'ssh2',
  'listr2',
  '@inquirer/*',
  '@peculiar/*',
  'reflect-metadata',
];

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  minifySyntax: true,
  minifyWhitespace: true,
  sourcemap: false,
  external,
  // commander is CommonJS; give bundled CJS a real `require`.
  banner: {
    js: "import{createRequire as __ksctlRequire}from'node:module';const require=__ksctlRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// The fast path (src/cli/fast.ts): `switch` and `get clusters` as one CommonJS file, which Node 20 loads
// without its ES module loader. The yaml library stays out: the small reader handles the kubeconfigs
// people have, and the library is required from node_modules only when it does not.
await build({
  entryPoints: { fast: 'src/cli/fast.ts' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/fast',
  outExtension: { '.js': '.cjs' },
  minifySyntax: true,
  minifyWhitespace: true,
  sourcemap: false,
  external: [...external, 'yaml', 'commander'],
  // No import() left in it: bin/ksctl.js compiles it with vm.Script (for V8's code cache), where a
  // dynamic import needs an experimental loader hook. External packages load with require instead.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
});
if (/\bimport\(/.test(readFileSync('dist/fast/fast.cjs', 'utf8')))
  throw new Error('dist/fast/fast.cjs still holds a dynamic import()');

// `ksctl --help` as the full CLI prints it off a terminal, for the fast path (src/cli/fast.ts builtHelp).
const help = spawnSync(process.execPath, ['bin/ksctl.js', '--help'], {
  env: { ...process.env, KSCTL_NO_FAST_PATH: '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
});
if (help.status !== 0) throw new Error(`ksctl --help exited ${help.status}`);
writeFileSync('dist/fast/help.txt', help.stdout);

// V8's code cache for the fast path (bin/ksctl.js loadFast, Node 20): made by running it once, so the
// cache holds the functions a listing of one cluster compiles (reading, checking, printing), not just
// the top level.
const home = mkdtempSync(path.join(os.tmpdir(), 'ksctl-bundle-'));
try {
  const [{ applyDefaults }, { newClusterState }] = await Promise.all([
    import('../dist/api/defaults.js'),
    import('../dist/state/new-state.js'),
  ]);
  const dir = path.join(home, 'clusters', 'local', 'local', 'warm');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'state.json'),
    JSON.stringify(newClusterState(applyDefaults({ name: 'warm', provider: 'local', region: 'local' }))),
  );
  const env = { ...process.env, KSCTL_HOME: home, HOME: home };
  delete env.KSCTL_NO_FAST_PATH;
  const warm = spawnSync(process.execPath, ['bin/ksctl.js', 'get', 'clusters'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (warm.status !== 0) throw new Error(`ksctl get clusters exited ${warm.status}`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
if (
  typeof (await import('node:module')).enableCompileCache !== 'function' &&
  !existsSync('dist/fast/fast.cjs.v8cache')
) {
  throw new Error('the fast path did not write dist/fast/fast.cjs.v8cache');
}
