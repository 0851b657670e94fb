#!/usr/bin/env node
// TEST STAND-IN for the k3s binary: a launcher of the REAL Kubernetes components (k3s compiles them
// in; no registry we reach serves k3s). Honours: `k3s server` and `k3s agent` (flags, K3S_* env vars
// and /etc/rancher/k3s/config.yaml — see flags.mjs, server.mjs, agent.mjs; `--cluster-reset`: reset.mjs),
// `k3s etcd-snapshot save|ls|delete|prune` (snapshot.mjs), `k3s kubectl ...` and a
// `kubectl` symlink (exec the REAL kubectl, $KUBECTL_STANDIN_BIN, else v1.37.2 from the test cache,
// else /usr/bin/kubectl, with KUBECONFIG defaulting to
// /etc/rancher/k3s/k3s.yaml), `k3s --version` / `-v` ("k3s version v1.31.7+k3s1 (hash)" and
// "go version go1.23.6"). The version is $K3S_STANDIN_VERSION, baked into the installed wrapper
// by make-binary.sh. Fatal errors print a logrus "level=fatal" line and exit 1, like k3s.
// STANDIN_ROOT prefixes every absolute path (local tests only).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { hostPath, exists } from './lib/paths.mjs';
import { k3sLog } from './lib/log.mjs';
import { resolveFlags, UsageError } from './flags.mjs';
import { k3sVersion, setStatus, writePid } from './common.mjs';
import { etcdBin, kubeBin } from './binaries.mjs';

function printVersion() {
  const v = k3sVersion();
  const hash = crypto.createHash('sha256').update(v).digest('hex').slice(0, 8);
  process.stdout.write(`k3s version ${v} (${hash})\ngo version go1.23.6\n`);
}

function kubectl(args) {
  const env = { ...process.env };
  if (!env.KUBECONFIG && !args.some((a) => a.startsWith('--kubeconfig')) && exists('/etc/rancher/k3s/k3s.yaml')) {
    env.KUBECONFIG = hostPath('/etc/rancher/k3s/k3s.yaml');
  }
  const bin = process.env.KUBECTL_STANDIN_BIN ?? [kubeBin('kubectl'), '/usr/bin/kubectl'].find((p) => fs.existsSync(p));
  const r = spawnSync(bin ?? 'kubectl', args, { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
}

const USAGE = {
  server: 'k3s server - Run management server\n\nUSAGE:\n   k3s server [OPTIONS]',
  agent: 'k3s agent - Run node agent\n\nUSAGE:\n   k3s agent [OPTIONS]',
};

async function daemon(command, args) {
  let f;
  try {
    f = resolveFlags(command, args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`Incorrect Usage: ${e.message}\n\nNAME:\n   ${USAGE[command]}\n\n`);
    k3sLog.fatal(e.message);
    return;
  }
  if (f.help) {
    process.stdout.write(`NAME:\n   ${USAGE[command]}\n`);
    return;
  }
  // A cluster reset runs in the foreground and exits: it is not the service's daemon.
  if (!f['cluster-reset']) writePid(command);
  process.env.STANDIN_ETCD_BIN ??= etcdBin(); // embedded etcd: the 3.6 release k3s v1.37 compiles in
  const { runServer } = await import('./server.mjs');
  const { runAgent } = await import('./agent.mjs');
  try {
    await (command === 'server' ? runServer(f) : runAgent(f));
  } catch (e) {
    setStatus(command, `failed: ${e.message}`);
    k3sLog.fatal(e.fatal ? e.message : `${e.stack}`);
  }
}

async function snapshotCommand(args) {
  const sub = args[0] && !args[0].startsWith('-') ? args[0] : undefined;
  if (!sub || !['save', 'ls', 'list', 'l', 'delete', 'prune'].includes(sub)) {
    process.stdout.write(
      'NAME:\n   k3s etcd-snapshot\n\nUSAGE:\n   k3s etcd-snapshot command [command options] [arguments...]\n\nCOMMANDS:\n   save, delete, ls, prune\n',
    );
    if (sub) process.exit(3);
    return;
  }
  let f;
  try {
    f = resolveFlags('etcd-snapshot', args.slice(1));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`Incorrect Usage: ${e.message}\n\n`);
    k3sLog.fatal(e.message);
    return;
  }
  process.env.STANDIN_ETCD_BIN ??= etcdBin();
  const { etcdSnapshot } = await import('./snapshot.mjs');
  try {
    etcdSnapshot(sub, f);
  } catch (e) {
    k3sLog.fatal(e.fatal ? e.message : `${e.stack}`);
  }
}

const argv0 = path.basename(process.env.K3S_STANDIN_ARGV0 ?? process.argv[1] ?? 'k3s');
const args = process.argv.slice(2);
if (argv0 === 'kubectl') kubectl(args);
else if (args[0] === '--version' || args[0] === '-v' || args[0] === 'version') printVersion();
else if (args[0] === 'server' || args[0] === 'agent') await daemon(args[0], args.slice(1));
else if (args[0] === 'kubectl') kubectl(args.slice(1));
else if (args[0] === 'etcd-snapshot') await snapshotCommand(args.slice(1));
else if (['crictl', 'ctr', 'secrets-encrypt', 'certificate', 'token', 'check-config'].includes(args[0])) {
  process.stderr.write(`k3s ${args[0]}: not provided by the k3s test stand-in\n`);
  process.exit(1);
} else if (!args.length || args[0] === 'help' || args[0] === '--help' || args[0] === '-h') {
  process.stdout.write(
    'NAME:\n   k3s - Kubernetes, but small and simple (test stand-in)\n\nCOMMANDS:\n   server, agent, kubectl, etcd-snapshot\n',
  );
} else {
  process.stderr.write(`No help topic for '${args[0]}'\n`);
  process.exit(3);
}
