/**
 * The interactive create, driven in a real terminal (tmux): every missing value is asked, a summary is
 * shown, the answer confirmed, and the cluster created with the values typed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, sandbox, type Sandbox } from '../helpers/cli.js';
import { Tmux } from '../helpers/tmux.js';

let sb: Sandbox;
let term: Tmux;
beforeEach(() => {
  sb = sandbox();
  term = new Tmux();
});
afterEach(() => {
  term.kill();
  sb.cleanup();
});

const ttyEnv = () => {
  const { CI: _ci, ...env } = sb.env;
  return { ...env, TERM: 'xterm-256color' };
};

describe('prompts in a terminal', () => {
  it('asks for what is missing, summarises, confirms and creates', async () => {
    term.start(`${process.execPath} ${BIN} create cluster`, ttyEnv());
    await term.waitFor(/Cluster name/);
    term.type('Bad_Name');
    term.send('Enter');
    await term.waitFor(/is not a DNS label/);
    term.send('C-u');
    term.type('dev');
    term.send('Enter');
    await term.waitFor(/Provider/);
    // aws, azure, gcp, local, ssh: local is the fourth.
    term.send('Down', 'Down', 'Down', 'Enter');
    await term.waitFor(/Kubernetes version/);
    term.send('Down', 'Enter'); // kind's default comes first; one down is the newest minor, 1.37
    await term.waitFor(/Control planes/);
    term.send('Enter'); // default 1
    await term.waitFor(/Workers/);
    term.type('2');
    term.send('Enter');
    const summary = await term.waitFor(/Create cluster dev\?/);
    expect(summary).toMatch(/provider\s+local \(managed\)/);
    expect(summary).toMatch(/kubernetes\s+1\.37/);
    expect(summary).toMatch(/workers\s+2/);
    term.type('y');
    term.send('Enter');
    const done = await term.waitFor(/\[exit \d+\]/, 30_000);
    expect(done).toContain('Cluster dev is ready');
    expect(done).toContain('[exit 0]');
    const state = JSON.parse(readFileSync(path.join(sb.ksctlHome, 'clusters/local/local/dev/state.json'), 'utf8')) as { spec: { kubernetesVersion: string; workers: { count: number } } };
    expect(state.spec.kubernetesVersion).toBe('1.37');
    expect(state.spec.workers.count).toBe(2);
  });

  it('does not prompt with CI=true even on a terminal', async () => {
    term.start(`${process.execPath} ${BIN} create cluster dev`, { ...ttyEnv(), CI: 'true' });
    const s = await term.waitFor(/\[exit \d+\]/);
    expect(s).toMatch(/missing required values: provider, type; pass --provider/);
    expect(s).toContain('[exit 2]');
  });

  it('answering no at the confirmation creates nothing', async () => {
    term.start(`${process.execPath} ${BIN} create cluster dev --provider local --k8s-version 1.36 --control-planes 1 --workers 0`, ttyEnv());
    await term.waitFor(/Create cluster dev\?/);
    term.type('n');
    term.send('Enter');
    const s = await term.waitFor(/\[exit \d+\]/);
    expect(s).toContain('cancelled: nothing was created');
    expect(s).toContain('[exit 130]');
  });
});
