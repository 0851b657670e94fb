// Timing helpers for `npm run bench`: run commands repeatedly, interleaved so machine noise hits every
// candidate alike, and report medians. Ratios are always against a baseline measured in the same run.
import { spawnSync } from 'node:child_process';

export function timeOnce(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** cases: { name: [cmd, args, env] }; returns { name: medianMs }. */
export function medians(cases, rounds) {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const [, [cmd, args, env]] of Object.entries(cases)) timeOnce(cmd, args, env); // warm caches
  for (let i = 0; i < rounds; i++) {
    for (const [name, [cmd, args, env]] of Object.entries(cases)) samples[name].push(timeOnce(cmd, args, env));
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

export function row(label, value, goal) {
  return `${label.padEnd(58)} ${value.padStart(10)}${goal ? `   goal ${goal}` : ''}`;
}
