// TEST STAND-IN support (not shipped): `k3s etcd-snapshot save|ls|delete|prune` (k3s's
// pkg/cli/cmds/etcd_snapshot.go flags: --node-name, --data-dir, --dir/--etcd-snapshot-dir, --name
// (default "on-demand"), --config, ls -o/--output json, prune --snapshot-retention). A snapshot is
// <dir>/<name>-<node name>-<unix time> (default dir <data-dir>/server/db/snapshots), taken by the REAL
// etcdctl 3.6 (`snapshot save`, which checks the file's integrity hash) from this server's embedded
// member over TLS with the server's etcd client certificate; `save` logs "Snapshot <file> saved.".
// k3s asks the running server through its supervisor (/db/snapshot); the launcher runs the save itself,
// against the same member, and so also needs that server's etcd to be running.
// Not provided: --snapshot-compress and the S3 flags (they fail with a message).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { etcdBin } from './binaries.mjs';
import { defaultNodeName } from './common.mjs';
import { etcdPorts } from './lib/etcd-embedded.mjs';
import { hostPath } from './lib/paths.mjs';
import { k3sLog } from './lib/log.mjs';

const fatal = (msg) => Object.assign(new Error(msg), { fatal: true });

function settings(f) {
  const dataDir = f['data-dir'] ?? '/var/lib/rancher/k3s';
  return {
    dataDir,
    nodeName: (f['node-name'] ?? defaultNodeName()).toLowerCase(),
    dir: f.dir ?? f['etcd-snapshot-dir'] ?? `${dataDir}/server/db/snapshots`,
    name: f.name ?? 'on-demand',
  };
}

function files(dir) {
  const real = hostPath(dir);
  if (!fs.existsSync(real)) return [];
  return fs
    .readdirSync(real)
    .filter((n) => fs.statSync(path.join(real, n)).isFile())
    .map((n) => {
      const st = fs.statSync(path.join(real, n));
      return { name: n, location: `file://${path.join(dir, n)}`, size: st.size, created: st.mtime };
    })
    .sort((a, b) => a.created - b.created || a.name.localeCompare(b.name));
}

function save(s) {
  const tls = `${s.dataDir}/server/tls/etcd`;
  if (!fs.existsSync(hostPath(`${s.dataDir}/server/db/etcd`)))
    throw fatal('etcd datastore disabled: this server does not run embedded etcd');
  fs.mkdirSync(hostPath(s.dir), { recursive: true, mode: 0o700 });
  const file = `${s.name}-${s.nodeName}-${Math.floor(Date.now() / 1000)}`;
  const target = hostPath(path.join(s.dir, file));
  const r = spawnSync(
    path.join(path.dirname(etcdBin()), 'etcdctl'),
    [
      `--endpoints=https://127.0.0.1:${etcdPorts().client}`,
      `--cacert=${hostPath(`${tls}/server-ca.crt`)}`,
      `--cert=${hostPath(`${tls}/client.crt`)}`,
      `--key=${hostPath(`${tls}/client.key`)}`,
      '--dial-timeout=5s',
      '--command-timeout=10m',
      'snapshot',
      'save',
      target,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    fs.rmSync(target, { force: true });
    fs.rmSync(`${target}.part`, { force: true });
    throw fatal(`failed to save snapshot ${file}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  }
  fs.chmodSync(target, 0o600);
  k3sLog.info(`Snapshot ${file} saved.`);
}

function list(s, f) {
  const all = files(s.dir);
  if (f.output === 'json') {
    process.stdout.write(`${JSON.stringify(all.map((x) => ({ ...x, created: x.created.toISOString() })))}\n`);
    return;
  }
  const rows = [
    ['Name', 'Location', 'Size', 'Created'],
    ...all.map((x) => [x.name, x.location, String(x.size), x.created.toISOString()]),
  ];
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(w[i]))
        .join(' ')
        .trimEnd()}\n`,
    );
}

function remove(s, names) {
  if (names.length === 0) throw fatal('no snapshots given for removal');
  for (const n of names) {
    const p = hostPath(path.join(s.dir, path.basename(n)));
    if (!fs.existsSync(p)) throw fatal(`snapshot ${n} not found`);
    fs.rmSync(p);
    k3sLog.info(`Snapshot ${n} deleted.`);
  }
}

function prune(s, f) {
  const keep = Number(f['snapshot-retention'] ?? 5);
  const mine = files(s.dir).filter((x) => x.name.startsWith(`${s.name}-`));
  for (const x of mine.slice(0, Math.max(0, mine.length - keep))) {
    fs.rmSync(hostPath(path.join(s.dir, x.name)));
    k3sLog.info(`Removing local snapshot ${x.name}`);
  }
}

/** `k3s etcd-snapshot <sub> ...`; f: resolved flags, with `_positional` (snapshot names for delete). */
export function etcdSnapshot(sub, f) {
  if (f['snapshot-compress'] || f['etcd-snapshot-compress'])
    throw fatal('--snapshot-compress is not provided by the k3s test stand-in');
  if (Object.keys(f).some((k) => /^(etcd-)?s3/.test(k) && f[k]))
    throw fatal('the S3 flags are not provided by the k3s test stand-in');
  const s = settings(f);
  if (sub === 'save') save(s);
  else if (sub === 'ls' || sub === 'list' || sub === 'l') list(s, f);
  else if (sub === 'delete') remove(s, f._positional ?? []);
  else if (sub === 'prune') prune(s, f);
  else throw fatal(`unknown etcd-snapshot subcommand ${sub}`);
}
