/**
 * Backup wall time: `ksctl backup create` (CLI start, lock, snapshot over SSH on a member with etcdctl
 * over TLS; then, overlapping with etcdutl status on the member, the file streamed over SSH through
 * SHA-256 and AES-256-GCM into the upload: S3 multipart with a CRC32 per part; manifest, state
 * records) against the unavoidable part done by hand: `etcdctl snapshot save` on the same member over
 * OpenSSH, the bytes streamed back (`cat`), and one PutObject of the same bytes to the same S3 (moto's
 * server). Real SSH test hosts, real etcd 3.6 (3 members) holding 16, then 256 MiB of incompressible
 * values (snapshots of about 24 and 300 MiB); the k3s stand-in as API server. Goal: ksctl / baseline
 * ≤ 1.2x. Both sides do the same work (no --keep, whose listing the baseline would not do). The
 * machine's load average is printed, and ksctl's CPU time (every thread, from bash's `times`): on a
 * shared 2-core machine, CPU contention stretches ksctl's own CPU work (start-up, SHA-256, AES-GCM)
 * more than the baseline's. Bundled and run by bench/run.mjs; needs root.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Role } from '../src/api/types.js';
import { generateSshKeyPair } from '../src/distro/pki/ssh.js';
import { startHosts } from '../test/hosts/harness.js';
import { BIN, sandbox } from '../test/helpers/cli.js';
import { startMoto } from '../test/helpers/moto.js';
import { airgapDir, clusterFile, writeKey } from '../test/helpers/ssh-cluster.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const row = (label: string, value: string, goal?: string) =>
  `${label.padEnd(58)} ${value.padStart(10)}${goal ? `   goal ${goal}` : ''}`;

export async function benchBackup(rounds = 5): Promise<{ lines: string[] }> {
  if (process.getuid?.() !== 0) return { lines: ['backup: skipped (needs root for network namespaces)'] };
  const roles: Role[] = ['loadbalancer', 'etcd', 'etcd', 'etcd', 'controlplane'];
  const client = generateSshKeyPair('bench');
  const set = await startHosts(roles.length, { clientKey: { private: client.privateKey, public: client.publicKey } });
  const moto = await startMoto('us-east-1');
  const sb = sandbox({
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: moto.endpoint,
  });
  try {
    const key = writeKey(sb.dir, client.privateKey);
    const file = path.join(sb.dir, 'cluster.yaml');
    writeFileSync(
      file,
      clusterFile({
        name: 'bench',
        distribution: 'k3s',
        roles,
        hosts: set.hosts,
        keyFile: key,
        airgapDir: airgapDir(path.join(sb.dir, 'airgap')),
      }),
    );
    const c = spawnSync(process.execPath, [BIN, 'create', 'cluster', '-f', file, '--no-switch'], {
      env: sb.env,
      encoding: 'utf8',
    });
    if (c.status !== 0) throw new Error(`create failed: ${c.stderr.slice(-800)}`);
    const etcd0 = set.hosts[1]!;
    const tls =
      '--endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/server.crt --key=/etc/etcd/pki/server.key';
    // Random values of ~1 MiB (etcd's request limit is 1.5 MiB), so nothing compresses.
    let values = 0;
    const fill = async (mib: number) => {
      for (; values < mib; values++) {
        const r = await etcd0.exec(`etcdctl ${tls} put /bench/v${values} >/dev/null`, {
          input: randomBytes(768 * 1024)
            .toString('base64')
            .slice(0, 1024 * 1024 - 64),
        });
        if (r.code !== 0) throw new Error(`put failed: ${r.stderr}`);
      }
    };
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const ssh = [
      '-i',
      key,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      `root@${etcd0.address}`,
    ];

    const baseline = async (): Promise<{ ms: number; bytes: number }> => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(
        'ssh',
        [...ssh, `etcdctl ${tls} snapshot save /tmp/bench.db >/dev/null && cat /tmp/bench.db && rm -f /tmp/bench.db`],
        { maxBuffer: 1 << 30 },
      );
      if (r.status !== 0) throw new Error(`baseline snapshot failed: ${r.stderr.toString()}`);
      await s3.send(
        new PutObjectCommand({
          Bucket: 'bench',
          Key: `plain/${Date.now()}.db`,
          Body: r.stdout,
          ContentLength: r.stdout.length,
        }),
      );
      return { ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes: r.stdout.length };
    };
    /** One `ksctl backup create`: its wall time, and its CPU time (user + system, all threads) from bash's `times`. */
    const ksctl = (): { ms: number; cpu: number } => {
      const t0 = process.hrtime.bigint();
      // KSCTL_BENCH_CPU_PROF=<dir>: each ksctl run writes a V8 CPU profile there (node --cpu-prof).
      const prof = process.env.KSCTL_BENCH_CPU_PROF;
      const node = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
      const r = spawnSync(
        'bash',
        [
          '-c',
          '"$@"; rc=$?; times >&2; exit $rc',
          'bash',
          process.execPath,
          ...node,
          BIN,
          'backup',
          'create',
          'bench',
          '--target',
          's3://bench/ksctl',
        ],
        { env: sb.env, encoding: 'utf8' },
      );
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`ksctl backup create failed: ${r.stderr.slice(-800)}`);
      // `times` prints the shell's user and system time, then its children's: "0m1.234s 0m0.456s".
      const kids = r.stderr.trim().split('\n').pop()!.split(' ');
      const secs = (t: string) => {
        const m = /^(\d+)m([\d.]+)s$/.exec(t);
        return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
      };
      return { ms, cpu: secs(kids[0]!) + secs(kids[1]!) };
    };
    await fill(16);
    await baseline();
    ksctl(); // warm: the first backup also makes the key
    let backups = 1;
    // Where ksctl's time goes: its recorded steps (the rest is CLI start-up, lock and state writes).
    const step = (kind: string) => {
      const st = JSON.parse(readFileSync(path.join(sb.ksctlHome, 'clusters/ssh/default/bench/state.json'), 'utf8')) as {
        steps: { id: string; durationMs?: number }[];
      };
      return median(
        st.steps
          .filter((x) => x.id.endsWith(`/${kind}`) && x.id.startsWith('backup/'))
          .slice(-rounds)
          .map((x) => x.durationMs ?? 0),
      );
    };
    // Two sizes: a small store, where ksctl's fixed start-up (~0.5 s: Node, lock, state, SSH) weighs
    // most, and one of a production cluster's size, where the transfer does.
    const lines: string[] = [];
    for (const mib of [16, 256]) {
      await fill(mib);
      const base: number[] = [];
      const ours: number[] = [];
      const cpu: number[] = [];
      let bytes = 0;
      for (let i = 0; i < rounds; i++) {
        const b = await baseline();
        base.push(b.ms);
        bytes = b.bytes;
        await new Promise((r) => setTimeout(r, 1000)); // bundle names are per second
        const k = ksctl();
        ours.push(k.ms);
        cpu.push(k.cpu);
        backups++;
      }
      const b = median(base);
      const k = median(ours);
      lines.push(
        `backup: 3-member external etcd on SSH test hosts, ${(bytes / 2 ** 20).toFixed(1)} MiB snapshot, S3 target (moto), median of ${rounds} (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs)`,
        row('etcdctl snapshot save over ssh + cat + PutObject (baseline)', `${(b / 1000).toFixed(2)} s`),
        row('ksctl backup create --target s3://…', `${(k / 1000).toFixed(2)} s`),
        row('ksctl / baseline', `${(k / b).toFixed(2)}x`, '<= 1.2x'),
        row('  ksctl CPU time (user + system, every thread)', `${median(cpu).toFixed(2)} s`),
        row('  of which: snapshot + status ‖ SSH → GCM → upload (step)', `${(step('snapshot') / 1000).toFixed(2)} s`),
        row('  of which: manifest (upload step)', `${(step('upload') / 1000).toFixed(2)} s`),
      );
    }
    lines.push(`backup: ${backups} backups taken`);
    return { lines };
  } finally {
    await moto.stop();
    await set.teardown();
    sb.cleanup();
  }
}
