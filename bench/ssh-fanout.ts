/**
 * SSH fan-out: the self-managed bootstrap through the CLI on real SSH test hosts (network namespaces,
 * Debian sshd, HAProxy; k3s is the test stand-in). Compares a 12-host cluster (load balancer, control
 * plane, 10 workers) with a 3-host one (load balancer, control plane, 1 worker): with perfect fan-out
 * the extra nine workers cost nothing, so the ratio is the overhead of going wide. Bundled and run by
 * bench/run.mjs; needs root.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Role } from '../src/api/types.js';
import { generateSshKeyPair } from '../src/distro/pki/ssh.js';
import { startHosts } from '../test/hosts/harness.js';
import { BIN, sandbox } from '../test/helpers/cli.js';
import { airgapDir, clusterFile, writeKey } from '../test/helpers/ssh-cluster.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function createOnce(workers: number): Promise<number> {
  const roles: Role[] = ['loadbalancer', 'controlplane', ...Array<Role>(workers).fill('worker')];
  const client = generateSshKeyPair('bench');
  const set = await startHosts(roles.length, { clientKey: { private: client.privateKey, public: client.publicKey } });
  const sb = sandbox();
  try {
    const file = path.join(sb.dir, 'cluster.yaml');
    writeFileSync(
      file,
      clusterFile({
        name: 'bench',
        distribution: 'k3s',
        roles,
        hosts: set.hosts,
        keyFile: writeKey(sb.dir, client.privateKey),
        airgapDir: airgapDir(path.join(sb.dir, 'airgap')),
      }),
    );
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [BIN, 'create', 'cluster', '-f', file, '--no-switch'], {
      env: sb.env,
      encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`create with ${roles.length} hosts failed: ${r.stderr.slice(-800)}`);
    return ms;
  } finally {
    await set.teardown();
    sb.cleanup();
  }
}

export async function benchSshFanout(rounds = 3): Promise<{ lines: string[] }> {
  if (process.getuid?.() !== 0) return { lines: ['SSH fan-out: skipped (needs root for network namespaces)'] };
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < rounds; i++) {
    small.push(await createOnce(1));
    large.push(await createOnce(10));
  }
  const s = median(small);
  const l = median(large);
  const row = (label: string, value: string, goal?: string) =>
    `${label.padEnd(58)} ${value.padStart(10)}${goal ? `   goal ${goal}` : ''}`;
  return {
    lines: [
      `SSH fan-out: ksctl create (k3s, embedded etcd) on real SSH test hosts, median of ${rounds}`,
      row('3 hosts: lb + cp + 1 worker (baseline)', `${(s / 1000).toFixed(2)} s`),
      row('12 hosts: lb + cp + 10 workers', `${(l / 1000).toFixed(2)} s`),
      row('12 hosts / 3 hosts', `${(l / s).toFixed(2)}x`, '<= 1.3x'),
    ],
  };
}
