// `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same run.
// `npm run bench -- startup` (or ssh, aws, azure, gcp, kwok, drain, apply, backup, pools, upgrade) runs one section.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Bundled test helpers find their scripts through these.
process.env.KSCTL_ROOT ??= fileURLToPath(new URL('..', import.meta.url));
process.env.KSCTL_TEST_HOSTS_DIR ??= fileURLToPath(new URL('../test/hosts', import.meta.url));
import { benchStartup } from './startup.mjs';

/** TypeScript benchmarks that use test helpers are bundled on the fly (no ts runtime on Node 20). */
async function loadTs(entry, name) {
  mkdirSync('.bench-tmp', { recursive: true });
  const outfile = `.bench-tmp/${name}.mjs`;
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    packages: 'external',
    logLevel: 'warning',
    banner: { js: "import{createRequire as __r}from'node:module';const require=__r(import.meta.url);" },
  });
  return import(`../${outfile}`);
}

const only = process.argv[2];
const sections = [
  ['startup', async () => benchStartup()],
  ['ssh', async () => (await loadTs('bench/ssh-fanout.ts', 'ssh-fanout')).benchSshFanout()],
  ['aws', async () => (await loadTs('bench/aws-simulated.ts', 'aws-simulated')).benchAwsSimulated()],
  ['azure', async () => (await loadTs('bench/azure-simulated.ts', 'azure-simulated')).benchAzureSimulated()],
  ['gcp', async () => (await loadTs('bench/gcp-simulated.ts', 'gcp-simulated')).benchGcpSimulated()],
  ['kwok', async () => (await loadTs('bench/kwok-scale.ts', 'kwok-scale')).benchKwokScale()],
  ['drain', async () => (await loadTs('bench/drain.ts', 'drain')).benchDrain()],
  ['apply', async () => (await loadTs('bench/apply-diff.ts', 'apply-diff')).benchApplyDiff()],
  ['backup', async () => (await loadTs('bench/backup.ts', 'backup')).benchBackup()],
  ['pools', async () => (await loadTs('bench/pool-scale.ts', 'pool-scale')).benchPoolScale()],
  ['upgrade', async () => (await loadTs('bench/upgrade-simulated.ts', 'upgrade-simulated')).benchUpgradeSimulated()],
];
for (const [name, run] of sections) {
  if (only && only !== name) continue;
  const { lines } = await run();
  console.log(lines.join('\n'));
  console.log('');
}
process.exit(0);
