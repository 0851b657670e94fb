/**
 * The self-managed pipeline when things go wrong, on real SSH test hosts: a host whose key does not
 * match, a host that is down, and a run killed half-way (SIGKILL) then resumed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { ksctl, sandbox, startKsctl, type Sandbox } from '../helpers/cli.js';
import { airgapDir, clusterFile, writeKey } from '../helpers/ssh-cluster.js';

// Embedded etcd keeps these small: 1 load balancer, 1 control plane, 1 worker.
const roles = ['loadbalancer', 'controlplane', 'worker'] as const;
let set: TestHostSet;
let keyFile: string;
let airgap: string;
let root: Sandbox;

beforeAll(async () => {
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(3, { clientKey: { private: client.privateKey, public: client.publicKey } });
  root = sandbox();
  keyFile = writeKey(root.dir, client.privateKey);
  airgap = airgapDir(path.join(root.dir, 'airgap'));
}, 120_000);
afterAll(async () => {
  await set?.teardown();
  root?.cleanup();
});

type State = { phase: string; steps: { id: string; status: string }[]; lastError?: string };
const stateOf = (sb: Sandbox, name: string) =>
  JSON.parse(readFileSync(path.join(sb.ksctlHome, 'clusters/ssh/default', name, 'state.json'), 'utf8')) as State;

function fileFor(sb: Sandbox, name: string, hostKeys?: string[]): string {
  const f = path.join(sb.dir, `${name}.yaml`);
  writeFileSync(
    f,
    clusterFile({
      name,
      distribution: 'k3s',
      roles: [...roles],
      hosts: set.hosts,
      keyFile,
      airgapDir: airgap,
      ...(hostKeys ? { hostKeys } : {}),
    }),
  );
  return f;
}

describe('self-managed failures', () => {
  it('refuses a host whose key does not match, naming the machine and both fingerprints', async () => {
    const sb = sandbox();
    try {
      const keys = set.hosts.map((h) => h.hostKeyPublic);
      keys[2] = keys[0]!; // w-0 claims lb-0's key
      const r = await ksctl(['create', 'cluster', '-f', fileFor(sb, 'mismatch', keys)], sb.env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /machine "w-0" \(10\.\d+\.\d+\.\d+:22\) presented host key SHA256:\S+, but the pinned key is SHA256:\S+; refusing to connect/,
      );
      const st = stateOf(sb, 'mismatch');
      expect(st.phase).toBe('failed');
      expect(st.steps.find((s) => s.id === 'machine/w-0')?.status).toBe('failed');
    } finally {
      sb.cleanup();
    }
  }, 120_000);

  it('reports a host that is down after the bounded wait, and keeps state intact', async () => {
    const sb = sandbox({ KSCTL_SSH_WAIT_SECONDS: '3' });
    const down = set.hosts[2]!;
    await down.stop();
    try {
      const t0 = Date.now();
      const r = await ksctl(['create', 'cluster', '-f', fileFor(sb, 'down')], sb.env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/machine "w-0" \(10\.\d+\.\d+\.\d+:22\) did not answer SSH within 3s/);
      expect(Date.now() - t0).toBeLessThan(60_000);
      const st = stateOf(sb, 'down');
      expect(st.phase).toBe('failed');
      expect(st.steps.find((s) => s.id === 'machine/lb-0')?.status).toBe('done');
    } finally {
      await down.start();
      sb.cleanup();
    }
    // The same machines come back: a re-run (new sandbox) works, so nothing on the hosts was left broken.
  }, 120_000);

  it('resumes after SIGKILL half-way and repeats no finished step', async () => {
    const sb = sandbox();
    try {
      const file = fileFor(sb, 'resume');
      const run = startKsctl(['create', 'cluster', '-f', file], sb.env);
      const statePath = path.join(sb.ksctlHome, 'clusters/ssh/default/resume/state.json');
      // Kill as soon as the load balancer is configured and control plane 0 is being installed.
      for (const until = Date.now() + 60_000; ;) {
        let st: State | undefined;
        try {
          st = JSON.parse(readFileSync(statePath, 'utf8')) as State;
        } catch {
          st = undefined;
        }
        if (
          st?.steps.some((s) => s.id === 'lb/lb-0' && s.status === 'done') &&
          st.steps.some((s) => s.id.startsWith('controlplane/') && s.status === 'running')
        )
          break;
        if (Date.now() > until) throw new Error('create never reached control plane 0');
        await new Promise((r) => setTimeout(r, 20));
      }
      run.child.kill('SIGKILL');
      await run.done;
      const before = stateOf(sb, 'resume');
      const doneBefore = before.steps.filter((s) => s.status === 'done').map((s) => s.id);
      expect(doneBefore).toContain('lb/lb-0');

      const again = await ksctl(['create', 'cluster', '-f', file], sb.env);
      expect(again.code, again.stderr).toBe(0);
      const after = stateOf(sb, 'resume');
      expect(after.phase).toBe('ready');
      for (const id of doneBefore) expect(after.steps.filter((s) => s.id === id)).toHaveLength(1); // not repeated
      expect(after.steps.filter((s) => s.id === 'controlplane/cp-0').map((s) => s.status)).toEqual(['running', 'done']);
      expect(again.stderr).toMatch(/skip +Load balancer lb-0/);
      expect((await ksctl(['delete', 'cluster', 'resume'], sb.env)).code).toBe(0);
    } finally {
      sb.cleanup();
    }
  }, 180_000);
});
