// `npm run fuzz`: the fuzzing suite (test/fuzz) with a fresh seed and 25x the cases CI runs.
// KSCTL_FUZZ_SEED=<n> replays a run; KSCTL_FUZZ_SCALE=<x> changes its length.
import { spawnSync } from 'node:child_process';

const seed = process.env.KSCTL_FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
const scale = process.env.KSCTL_FUZZ_SCALE ?? '25';
console.log(`fuzzing with KSCTL_FUZZ_SEED=${seed} KSCTL_FUZZ_SCALE=${scale}`);
const r = spawnSync('npx', ['vitest', 'run', 'test/fuzz', '--testTimeout', '0'], {
  stdio: 'inherit',
  env: { ...process.env, KSCTL_FUZZ_SEED: seed, KSCTL_FUZZ_SCALE: scale },
});
process.exitCode = r.status ?? 1;
