/**
 * The interactive create, driven in a real terminal (tmux): every missing value is asked, a summary is
 * shown, the answer confirmed, and the cluster created with the values typed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
    const state = JSON.parse(readFileSync(path.join(sb.ksctlHome, 'clusters/local/local/dev/state.json'), 'utf8')) as {
      spec: { kubernetesVersion: string; workers: { count: number } };
    };
    expect(state.spec.kubernetesVersion).toBe('1.37');
    expect(state.spec.workers.count).toBe(2);
  });

  it('asks for the sudo password a spec promises, masked, and never shows or logs it', async () => {
    const key = path.join(sb.dir, 'id_ed25519');
    writeFileSync(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    // Port 1 on loopback refuses at once: the run fails after the prompt, which is all this test needs.
    const m = (role: string, i: number) =>
      `    - {name: m${i}, role: ${role}, address: 127.0.0.${i + 1}, port: 1, user: root, keyFile: ${key}}\n`;
    const file = path.join(sb.dir, 'sudo.yaml');
    writeFileSync(
      file,
      `apiVersion: ksctl.io/v1alpha1\nkind: Cluster\nmetadata: {name: dev}\nspec:\n  provider: ssh\n  region: lab\n  distribution: k3s\n  kubernetesVersion: "1.37"\n  ssh: {sudoPassword: true}\n  machines:\n${m('loadbalancer', 0)}${m('controlplane', 1)}`,
    );
    term.start(`${process.execPath} ${BIN} create cluster -f ${file}`, { ...ttyEnv(), KSCTL_SSH_WAIT_SECONDS: '1' });
    await term.waitFor(/Create cluster dev\?/);
    term.type('y');
    term.send('Enter');
    await term.waitFor(/sudo password for the machines/);
    term.type('hunter2-very-secret');
    term.send('Enter');
    const s = await term.waitFor(/\[exit \d+\]/, 30_000);
    expect(s).not.toContain('hunter2-very-secret');
    expect(s).toMatch(/sudo password for the machines \*+/);
    const log = path.join(sb.ksctlHome, 'clusters/ssh/lab/dev/ksctl.log');
    if (existsSync(log)) expect(readFileSync(log, 'utf8')).not.toContain('hunter2-very-secret');
  });

  it('does not prompt with CI=true even on a terminal', async () => {
    term.start(`${process.execPath} ${BIN} create cluster dev`, { ...ttyEnv(), CI: 'true' });
    const s = await term.waitFor(/\[exit \d+\]/);
    expect(s).toMatch(/missing required values: provider, type; pass --provider/);
    expect(s).toContain('[exit 2]');
  });

  it('answering no at the confirmation creates nothing', async () => {
    term.start(
      `${process.execPath} ${BIN} create cluster dev --provider local --k8s-version 1.36 --control-planes 1 --workers 0`,
      ttyEnv(),
    );
    await term.waitFor(/Create cluster dev\?/);
    term.type('n');
    term.send('Enter');
    const s = await term.waitFor(/\[exit \d+\]/);
    expect(s).toContain('cancelled: nothing was created');
    expect(s).toContain('[exit 130]');
  });
});
