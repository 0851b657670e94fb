// Bundles the CLI into dist/bundle/ (one entry plus lazily loaded chunks) so start-up resolves a few
// files instead of hundreds. Cloud SDKs, ssh2 and the other heavy, optional packages stay external:
// they load from node_modules only when a command needs them.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true }); // chunk names change with content
rmSync('dist/fast', { recursive: true, force: true });

// google-gax and google-auth-library too: bundled, they break (`__dirname` in ESM) and would be a
// second copy beside the one @google-cloud/* loads (the GCP proto-cache patch must hit that one).
const external = ['@aws-sdk/*', '@smithy/*', '@azure/*', '@google-cloud/*', 'google-gax', 'google-auth-library', '@kubernetes/*', 'ssh2', 'listr2', '@inquirer/*', '@peculiar/*', 'reflect-metadata'];

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
  banner: { js: "import{createRequire as __ksctlRequire}from'node:module';const require=__ksctlRequire(import.meta.url);" },
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
  logLevel: 'warning',
});

// `ksctl --help` as the full CLI prints it off a terminal, for the fast path (src/cli/fast.ts builtHelp).
const help = spawnSync(process.execPath, ['bin/ksctl.js', '--help'], { env: { ...process.env, KSCTL_NO_FAST_PATH: '1' }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (help.status !== 0) throw new Error(`ksctl --help exited ${help.status}`);
writeFileSync('dist/fast/help.txt', help.stdout);
