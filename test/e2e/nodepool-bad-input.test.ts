/**
 * Bad input to the node-pool commands through the built CLI, on a real (stand-in kind) cluster: exit 2,
 * a message naming the flag or field, and nothing changed — every byte under KSCTL_HOME (state, locks,
 * logs) and under the kind stand-in's own state directory (which any provider call would touch) is
 * what it was before.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ksctl, sandbox, type Sandbox } from '../helpers/cli.js';

let sb: Sandbox;
const file = (name: string, spec: string) => {
  const p = path.join(sb.dir, name);
  writeFileSync(p, `apiVersion: ksctl.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: web\nspec:\n${spec}`);
  return p;
};
const ORIGINAL =
  '  provider: local\n  nodePools:\n    - { name: front, count: 2, min: 1, max: 4, labels: { tier: web } }\n    - { name: back, count: 1 }\n';

/** Every file under the two directories, with its bytes. */
function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(p, readFileSync(p, 'base64'));
    }
  };
  walk(sb.ksctlHome);
  walk(sb.env.KIND_STANDIN_HOME!);
  return out;
}

beforeAll(async () => {
  sb = sandbox();
  const created = await ksctl(['create', 'cluster', '-f', file('web.yaml', ORIGINAL)], sb.env);
  expect(created.code, created.stderr).toBe(0);
}, 120_000);
afterAll(() => sb.cleanup());

const cases: [string, () => string[], RegExp][] = [
  [
    'an unknown pool',
    () => ['scale', 'nodepool', 'web', 'nope', '--count', '2'],
    /cluster web has no node pool "nope"[\s\S]*its pools: front, back/,
  ],
  [
    'a negative count',
    () => ['scale', 'nodepool', 'web', 'front', '--count', '-1'],
    /--count \(spec\.nodePools\[0\]\.count\): must be a whole number >= 0, got -1/,
  ],
  [
    'a count above max',
    () => ['scale', 'nodepool', 'web', 'front', '--count', '5'],
    /--count \(spec\.nodePools\[0\]\.count\): is 5, above the pool's max 4/,
  ],
  [
    'a count below min',
    () => ['scale', 'nodepool', 'web', 'front', '--count', '0'],
    /--count \(spec\.nodePools\[0\]\.count\): is 0, below the pool's min 1/,
  ],
  [
    'a count that is not a number',
    () => ['scale', 'nodepool', 'web', 'front', '--count', 'many'],
    /--count must be a whole number, got "many"/,
  ],
  [
    'a drain timeout without a unit',
    () => ['scale', 'nodepool', 'web', 'front', '--count', '3', '--drain-timeout', '30'],
    /--drain-timeout: "30" has no unit/,
  ],
  ['an unknown cluster', () => ['scale', 'nodepool', 'nope', 'front', '--count', '2'], /no cluster named "nope"/],
  [
    'bad taint syntax',
    () => ['create', 'nodepool', 'web', '--name', 'gpu', '--count', '1', '--taint', 'gpu=true'],
    /--taint "gpu=true" is not a taint: write a taint as key=value:Effect/,
  ],
  [
    'a taint on kind',
    () => ['create', 'nodepool', 'web', '--name', 'gpu', '--count', '1', '--taint', 'gpu=true:NoSchedule'],
    /--taint \(spec\.nodePools\[2\]\.taints\): node taints are not supported here/,
  ],
  [
    'a duplicate pool name',
    () => ['create', 'nodepool', 'web', '--name', 'back', '--count', '1'],
    /cluster web already has a node pool "back"/,
  ],
  ['a pool without a name', () => ['create', 'nodepool', 'web', '--count', '1'], /--name is required/],
  ['deleting an unknown pool', () => ['delete', 'nodepool', 'web', 'gpu'], /cluster web has no node pool "gpu"/],
  [
    'an immutable field in apply',
    () => ['apply', '-f', file('cp.yaml', `${ORIGINAL}  controlPlane: { count: 3 }\n`)],
    /nothing was changed:\n {2}spec\.controlPlane\.count: apply changes workers only/,
  ],
];

describe('node-pool commands refuse bad input: exit 2, nothing changed, no provider call', () => {
  it.each(cases)('%s', async (_what, args, message) => {
    const before = snapshot();
    const r = await ksctl(args(), sb.env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(snapshot()).toEqual(before);
  });

  it('apply of a cluster that does not exist names it', async () => {
    const r = await ksctl(['apply', '-f', file('gone.yaml', ORIGINAL)], {
      ...sb.env,
      KSCTL_HOME: path.join(sb.dir, 'empty'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cluster web \(local\/local\) does not exist/);
  });
});
