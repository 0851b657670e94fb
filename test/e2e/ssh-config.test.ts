/**
 * The ssh provider the way OpenSSH users work, through the CLI on real SSH test hosts: the cluster
 * file lists its machines by Host alias alone; ~/.ssh/config gives their HostName and User and sends
 * them through a bastion test host with ProxyJump; their key lives only in a real ssh-agent
 * (SSH_AUTH_SOCK, no key file anywhere in the spec or ~/.ssh); the bastion's own key is an encrypted
 * file whose passphrase comes from KSCTL_SSH_KEY_PASSPHRASE. A wrong passphrase is bad input (exit 2)
 * before any machine is touched, and the passphrase never shows up in output, state or the log.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHost, type TestHostSet } from '../hosts/harness.js';
import { clusterLog, ksctl, kubectl, sandbox, type Sandbox } from '../helpers/cli.js';
import { startAgent, type RunningAgent } from '../helpers/ssh-agent.js';
import { airgapDir, writeKey } from '../helpers/ssh-cluster.js';

const PASS = 'bastion-passphrase-7f3a9c';
let set: TestHostSet;
let sb: Sandbox;
let agent: RunningAgent;
let file: string;
const bastion = (): TestHost => set.hosts[0]!;
const machines = (): TestHost[] => set.hosts.slice(1, 4);
const spare = (): TestHost => set.hosts[4]!;
const clusterDir = () => path.join(sb.ksctlHome, 'clusters/ssh/default/aliased');

beforeAll(async () => {
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(5, { clientKey: { private: client.privateKey, public: client.publicKey } });
  sb = sandbox();
  agent = await startAgent();
  // The machines' key: only in the agent (the file is outside ~/.ssh and named nowhere in the spec).
  agent.add(writeKey(sb.dir, client.privateKey));
  const ssh = path.join(sb.home, '.ssh');
  mkdirSync(ssh, { recursive: true, mode: 0o700 });
  // The bastion's key: an encrypted file named by IdentityFile, authorised on the bastion only.
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASS, '-C', 'bastion', '-f', path.join(ssh, 'bastion_key')]);
  const pub = readFileSync(path.join(ssh, 'bastion_key.pub'), 'utf8').trim();
  await bastion().exec(`echo '${pub}' >> /root/.ssh/authorized_keys`);
  const [lb, cp, w] = machines();
  writeFileSync(
    path.join(ssh, 'config'),
    [
      'Host k-bastion',
      `  HostName ${bastion().address}`,
      '  User root',
      '  IdentityFile ~/.ssh/bastion_key',
      '  IdentitiesOnly yes',
      'Host k-lb',
      `  HostName ${lb!.address}`,
      'Host k-cp',
      `  HostName ${cp!.address}`,
      'Host k-w',
      `  HostName ${w!.address}`,
      'Host k-w2',
      `  HostName ${spare().address}`,
      'Host k-* !k-bastion',
      '  User ksctl',
      '  ProxyJump k-bastion',
      '',
    ].join('\n'),
  );
  file = path.join(sb.dir, 'cluster.yaml');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'ksctl.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'aliased' },
      spec: {
        provider: 'ssh',
        type: 'selfmanaged',
        distribution: 'k3s',
        kubernetesVersion: '1.37',
        etcd: { count: 0 },
        airgap: { enabled: true, dir: airgapDir(path.join(sb.dir, 'airgap')) },
        // The test hosts have no cgroup v2 hierarchy: consent, or the host preflight refuses them.
        kubelet: { allowCgroupV1: true },
        machines: [
          { role: 'loadbalancer', address: 'k-lb' },
          { role: 'controlplane', address: 'k-cp' },
          { role: 'worker', address: 'k-w' },
        ],
      },
    }),
  );
}, 120_000);
afterAll(async () => {
  await agent?.stop();
  await set?.teardown();
  sb?.cleanup();
});

const env = (passphrase: string) => ({ ...sb.env, SSH_AUTH_SOCK: agent.socket, KSCTL_SSH_KEY_PASSPHRASE: passphrase });
const sshdLog = (h: TestHost) => h.exec('cat /var/log/sshd.log').then((r) => r.stdout);
const logTail = () => clusterLog(clusterDir(), 40);

describe('ssh provider with ~/.ssh/config, ssh-agent and an encrypted bastion key', () => {
  it('refuses a wrong passphrase as bad input before any machine is touched', async () => {
    const r = await ksctl(['create', 'cluster', '-f', file], env('not-the-passphrase'));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`wrong passphrase for SSH key ${path.join(sb.home, '.ssh/bastion_key')}`);
    expect(r.stderr).toMatch(/spec\.machines\[0\] \(ProxyJump k-bastion\)/);
    expect(r.stderr).not.toContain('not-the-passphrase');
    expect(existsSync(path.join(clusterDir(), 'state.json'))).toBe(false);
    for (const h of set.hosts) expect(await sshdLog(h), h.name).not.toMatch(/Accepted|preauth/);
  });

  it('creates the cluster through the bastion, logging in with the agent and the decrypted key', async () => {
    const r = await ksctl(['create', 'cluster', '-f', file, '-o', 'json'], env(PASS));
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: { name: 'aliased', provider: 'ssh' } });
    // ProxyJump: every machine saw its logins come from the bastion, as the config's User (ksctl).
    for (const h of machines())
      expect(await sshdLog(h), h.name).toMatch(
        new RegExp(`Accepted publickey for ksctl from ${bastion().address.replace(/\./g, '\\.')} `),
      );
    // The bastion accepted the encrypted file's key (ED25519 "bastion"), not the agent's.
    const bastionKey = execFileSync('ssh-keygen', ['-lf', path.join(sb.home, '.ssh/bastion_key.pub')], {
      encoding: 'utf8',
    }).split(' ')[1]!;
    expect(await sshdLog(bastion())).toContain(`Accepted publickey for root from`);
    expect(await sshdLog(bastion())).toContain(bastionKey);
    for (const out of [
      r.stdout,
      r.stderr,
      readFileSync(path.join(clusterDir(), 'state.json'), 'utf8'),
      readFileSync(path.join(clusterDir(), 'ksctl.log'), 'utf8'),
    ]) {
      expect(out).not.toContain(PASS);
    }
  }, 300_000); // real control planes and kubelets on two shared cores

  it('records the resolved addresses, users and jump host in state', () => {
    const st = JSON.parse(readFileSync(path.join(clusterDir(), 'state.json'), 'utf8')) as {
      spec: {
        machines: {
          address: string;
          user: string;
          sshConfigHost?: string;
          bastion?: { address: string; user: string };
        }[];
      };
      machines: Record<string, { publicAddress: string; sshUser: string; hostKeys: string[] }>;
    };
    expect(
      st.spec.machines.map((m) => [m.sshConfigHost, m.address, m.user, m.bastion?.address, m.bastion?.user]),
    ).toEqual(machines().map((h, i) => [['k-lb', 'k-cp', 'k-w'][i], h.address, 'ksctl', bastion().address, 'root']));
    const inState = Object.values(st.machines);
    expect(inState.map((m) => m.publicAddress).sort()).toEqual(
      machines()
        .map((h) => h.address)
        .sort(),
    );
    // Host keys pinned on first contact, as for any machine listed without hostKey.
    expect(inState.every((m) => m.hostKeys.length === 1)).toBe(true);
  });

  it('serves the API through the load balancer', async () => {
    const nodes = await kubectl(
      ['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}', '--request-timeout', '20s'],
      sb.env,
    );
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout.split(' ').sort()).toEqual(['aliased-controlplane-1', 'aliased-worker-2']);
  });

  it('adds a worker listed by its alias alone, through the same bastion', async () => {
    const r = await ksctl(['add', 'worker', 'aliased', '--address', 'k-w2', '--name', 'w-extra'], env(PASS));
    expect(r.code, `${r.stderr}\n${logTail()}`).toBe(0);
    expect(await sshdLog(spare())).toMatch(
      new RegExp(`Accepted publickey for ksctl from ${bastion().address.replace(/\./g, '\\.')} `),
    );
    const nodes = await kubectl(
      ['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}', '--request-timeout', '20s'],
      sb.env,
    );
    expect(nodes.stdout.split(' ').sort()).toEqual(['aliased-controlplane-1', 'aliased-worker-2', 'w-extra']);
  }, 60_000);

  it('deletes the cluster logging in the same way', async () => {
    const del = await ksctl(['delete', 'cluster', 'aliased'], env(PASS));
    expect(del.code, `${del.stderr}\n${logTail()}`).toBe(0);
    for (const h of [...machines().slice(1), spare()])
      expect((await h.exec('test -e /usr/local/bin/k3s && echo k3s; true')).stdout.trim(), h.name).toBe('');
  }, 60_000);
});
