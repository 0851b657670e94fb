/**
 * The confirmations of `apply -f` and `scale nodepool` in a real terminal (tmux): the plan (or what
 * will be drained) is shown and asked about; "no" exits 130 with nothing changed; `--yes` asks nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ksctl, sandbox, type Sandbox } from '../helpers/cli.js';
import { Tmux } from '../helpers/tmux.js';

let sb: Sandbox;
let term: Tmux;
const file = (name: string, spec: string) => {
  const p = path.join(sb.dir, name);
  writeFileSync(p, `apiVersion: ksctl.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: web\nspec:\n${spec}`);
  return p;
};
const ORIGINAL = '  provider: local\n  nodePools:\n    - { name: front, count: 2 }\n    - { name: back, count: 1 }\n';
const stateBytes = () => readFileSync(path.join(sb.ksctlHome, 'clusters/local/local/web/state.json'));
const ttyEnv = () => {
  const { CI: _ci, ...env } = sb.env;
  return { ...env, TERM: 'xterm-256color' };
};

beforeAll(async () => {
  sb = sandbox();
  const created = await ksctl(['create', 'cluster', '-f', file('web.yaml', ORIGINAL)], sb.env);
  expect(created.code, created.stderr).toBe(0);
}, 120_000);
afterAll(() => sb.cleanup());
beforeEach(() => {
  term = new Tmux();
});
afterEach(() => term.kill());

describe('node-pool confirmations in a terminal', () => {
  it('apply shows the plan, asks, and "no" changes nothing', async () => {
    const before = stateBytes();
    const edited = file('edited.yaml', ORIGINAL.replace('count: 2', 'count: 3'));
    term.start(`${process.execPath} ${BIN} apply -f ${edited}`, ttyEnv());
    const asked = await term.waitFor(/Apply this plan to cluster web \(local\/local\)\?/);
    expect(asked).toMatch(/~ nodePools\[front\]\.count: 2 → 3 \(1 to add\)/);
    term.type('n');
    term.send('Enter');
    const done = await term.waitFor(/\[exit \d+\]/, 30_000);
    expect(done).toContain('cancelled: nothing was changed');
    expect(done).toContain('[exit 130]');
    expect(stateBytes()).toEqual(before);
  });

  it('scale nodepool says how many nodes will be drained, and "no" changes nothing', async () => {
    const before = stateBytes();
    term.start(`${process.execPath} ${BIN} scale nodepool web front --count 1`, ttyEnv());
    await term.waitFor(
      /Scale node pool front of cluster web \(local\/local\) from 2 to 1 node\(s\)\? 1 node\(s\) will be drained and deleted\./,
    );
    term.type('n');
    term.send('Enter');
    expect(await term.waitFor(/\[exit \d+\]/, 30_000)).toContain('[exit 130]');
    expect(stateBytes()).toEqual(before);
  });

  it('--yes asks nothing and goes on to the cluster', async () => {
    term.start(`${process.execPath} ${BIN} scale nodepool web front --count 2 --yes`, ttyEnv());
    const done = await term.waitFor(/\[exit \d+\]/, 60_000);
    expect(done).not.toMatch(/Scale node pool front/);
    expect(done).not.toContain('[exit 130]');
    expect(done).not.toContain('[exit 2]');
  }, 90_000);
});
