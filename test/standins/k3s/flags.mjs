// TEST STAND-IN support (not shipped): k3s's command-line contract. Honours the documented
// `k3s server` / `k3s agent` flags (value, boolean and repeatable ones), their K3S_* environment
// variables, and /etc/rancher/k3s/config.yaml (+ config.yaml.d/*.yaml) whose keys are flag names.
// Precedence as in k3s: command line > config file > environment > default; repeatable flags from
// the file and the command line are combined. An undefined flag fails like urfave/cli does:
// "Incorrect Usage: flag provided but not defined: -foo" and exit 1. Flags the stand-in accepts
// but does not act on (CNI, kubelet args, ...) are listed so valid k3s command lines still work.
import fs from 'node:fs';
import path from 'node:path';
import { parseAll } from './lib/yaml-lite.mjs';
import { hostPath } from './lib/paths.mjs';

const COMMON = {
  value: [
    'config',
    'c',
    'v',
    'vmodule',
    'log',
    'l',
    'token',
    't',
    'token-file',
    'server',
    's',
    'data-dir',
    'd',
    'node-name',
    'resolv-conf',
    'flannel-iface',
    'flannel-conf',
    'flannel-cni-conf-dir',
    'lb-server-port',
    'container-runtime-endpoint',
    'default-runtime',
    'image-service-endpoint',
    'pause-image',
    'snapshotter',
    'private-registry',
    'system-default-registry',
    'vpn-auth',
    'vpn-auth-file',
    'image-credential-provider-bin-dir',
    'image-credential-provider-config',
    'airgap-extra-registry',
    'node-internal-dns',
    'node-external-dns',
  ],
  bool: [
    'debug',
    'alsologtostderr',
    'with-node-id',
    'docker',
    'disable-default-registry-endpoint',
    'nonroot-devices',
    'protect-kernel-defaults',
    'rootless',
    'prefer-bundled-bin',
    'selinux',
    'disable-apiserver-lb',
    'help',
    'h',
  ],
  multi: ['node-label', 'node-taint', 'node-ip', 'i', 'node-external-ip', 'kubelet-arg', 'kube-proxy-arg'],
};

const SERVER = {
  value: [
    'bind-address',
    'https-listen-port',
    'advertise-address',
    'advertise-port',
    'cluster-cidr',
    'service-cidr',
    'service-node-port-range',
    'cluster-dns',
    'cluster-domain',
    'flannel-backend',
    'egress-selector-mode',
    'servicelb-namespace',
    'write-kubeconfig',
    'o',
    'write-kubeconfig-mode',
    'write-kubeconfig-group',
    'helm-job-image',
    'agent-token',
    'agent-token-file',
    'cluster-reset-restore-path',
    'datastore-endpoint',
    'datastore-cafile',
    'datastore-certfile',
    'datastore-keyfile',
    'etcd-snapshot-name',
    'etcd-snapshot-schedule-cron',
    'etcd-snapshot-retention',
    'etcd-snapshot-dir',
    'default-local-storage-path',
    'kine-tls',
    'secrets-encryption-provider',
  ],
  bool: [
    'tls-san-security',
    'flannel-ipv6-masq',
    'flannel-external-ip',
    'cluster-init',
    'cluster-reset',
    'etcd-expose-metrics',
    'etcd-disable-snapshots',
    'etcd-snapshot-compress',
    'etcd-s3',
    'disable-scheduler',
    'disable-cloud-controller',
    'disable-kube-proxy',
    'disable-network-policy',
    'disable-helm-controller',
    'embedded-registry',
    'supervisor-metrics',
    'secrets-encryption',
    'enable-pprof',
    'disable-agent',
    'disable-apiserver',
    'disable-controller-manager',
    'disable-etcd',
  ],
  multi: [
    'tls-san',
    'kube-apiserver-arg',
    'etcd-arg',
    'kube-controller-manager-arg',
    'kube-scheduler-arg',
    'kube-cloud-controller-manager-arg',
    'disable',
  ],
};

const ALIASES = {
  c: 'config',
  l: 'log',
  t: 'token',
  s: 'server',
  d: 'data-dir',
  o: 'write-kubeconfig',
  i: 'node-ip',
  h: 'help',
};

const ENV = {
  token: 'K3S_TOKEN',
  'token-file': 'K3S_TOKEN_FILE',
  server: 'K3S_URL',
  'data-dir': 'K3S_DATA_DIR',
  'node-name': 'K3S_NODE_NAME',
  'resolv-conf': 'K3S_RESOLV_CONF',
  config: 'K3S_CONFIG_FILE',
  'cluster-init': 'K3S_CLUSTER_INIT',
  'datastore-endpoint': 'K3S_DATASTORE_ENDPOINT',
  'datastore-cafile': 'K3S_DATASTORE_CAFILE',
  'datastore-certfile': 'K3S_DATASTORE_CERTFILE',
  'datastore-keyfile': 'K3S_DATASTORE_KEYFILE',
  'write-kubeconfig': 'K3S_KUBECONFIG_OUTPUT',
  'write-kubeconfig-mode': 'K3S_KUBECONFIG_MODE',
  'agent-token': 'K3S_AGENT_TOKEN',
  'agent-token-file': 'K3S_AGENT_TOKEN_FILE',
};

// `k3s etcd-snapshot` (pkg/cli/cmds/etcd_snapshot.go): its own flags; ls adds -o/--output, prune
// --snapshot-retention. "dir" is also "etcd-snapshot-dir", as in k3s.
const SNAPSHOT = {
  value: [
    'config',
    'c',
    'log',
    'l',
    'node-name',
    'data-dir',
    'd',
    'dir',
    'etcd-snapshot-dir',
    'name',
    'o',
    'output',
    'snapshot-retention',
    ...['endpoint', 'endpoint-ca', 'access-key', 'secret-key', 'bucket', 'region', 'folder', 'timeout'].flatMap((n) => [
      `s3-${n}`,
      `etcd-s3-${n}`,
    ]),
  ],
  bool: [
    'debug',
    'alsologtostderr',
    'snapshot-compress',
    'etcd-snapshot-compress',
    's3',
    'etcd-s3',
    's3-skip-ssl-verify',
    'etcd-s3-skip-ssl-verify',
    's3-insecure',
    'etcd-s3-insecure',
    'help',
    'h',
  ],
  multi: [],
};
const SNAPSHOT_ALIASES = { c: 'config', l: 'log', d: 'data-dir', o: 'output', h: 'help' };

export class UsageError extends Error {}

function specFor(command) {
  if (command === 'etcd-snapshot')
    return {
      value: new Set(SNAPSHOT.value),
      bool: new Set(SNAPSHOT.bool),
      multi: new Set(),
      aliases: SNAPSHOT_ALIASES,
    };
  const s =
    command === 'server'
      ? {
          value: [...COMMON.value, ...SERVER.value],
          bool: [...COMMON.bool, ...SERVER.bool],
          multi: [...COMMON.multi, ...SERVER.multi],
        }
      : COMMON;
  return { value: new Set(s.value), bool: new Set(s.bool), multi: new Set(s.multi), aliases: ALIASES };
}

const truthy = (v) => v === true || v === 'true' || v === '1';

/** Parse argv (after the subcommand) into { name: value|true|[values] }. */
export function parseArgs(command, argv) {
  const spec = specFor(command);
  const canon = (n) => spec.aliases[n] ?? n;
  const out = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(a);
    if (!m || a === '-') {
      positional.push(a);
      continue;
    }
    const name = m[1];
    if (spec.bool.has(name)) {
      out[canon(name)] = m[2] === undefined ? true : truthy(m[2]);
      continue;
    }
    if (!spec.value.has(name) && !spec.multi.has(name)) throw new UsageError(`flag provided but not defined: -${name}`);
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new UsageError(`flag needs an argument: -${name}`);
    const key = canon(name);
    // urfave/cli string slices split on commas: --tls-san=a,b is two SANs.
    if (spec.multi.has(name)) (out[key] ??= []).push(...v.split(',').filter(Boolean));
    else out[key] = v;
  }
  return { flags: out, positional };
}

/** Keys of the config file (and drop-ins), as flag values; "key+" appends to repeatable flags. */
function readConfigFile(file, command) {
  const spec = specFor(command);
  const canon = (n) => spec.aliases[n] ?? n;
  const files = [file];
  const dropins = hostPath(`${file}.d`);
  if (fs.existsSync(dropins))
    files.push(
      ...fs
        .readdirSync(dropins)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(`${file}.d`, f)),
    );
  const out = {};
  for (const f of files) {
    if (!fs.existsSync(hostPath(f))) continue;
    for (const doc of parseAll(fs.readFileSync(hostPath(f), 'utf8'))) {
      for (const [rawKey, val] of Object.entries(doc ?? {})) {
        const append = rawKey.endsWith('+');
        const key = canon(rawKey.replace(/\+$/, ''));
        if (spec.multi.has(key)) {
          const vals = [].concat(val).map(String);
          out[key] = append ? [...(out[key] ?? []), ...vals] : vals;
        } else if (spec.bool.has(key)) out[key] = truthy(val);
        else if (spec.value.has(key)) out[key] = String(val);
        // Unknown keys are ignored, as k3s ignores keys that belong to the other subcommand.
      }
    }
  }
  return out;
}

/** Final settings for `k3s <command>`: defaults < env < config file < command line. */
export function resolveFlags(command, argv, env = process.env) {
  const { flags: cli, positional } = parseArgs(command, argv);
  const configFile = cli.config ?? env.K3S_CONFIG_FILE ?? '/etc/rancher/k3s/config.yaml';
  const file = readConfigFile(configFile, command);
  const spec = specFor(command);
  const canon = (n) => spec.aliases[n] ?? n;
  const fromEnv = {};
  for (const [k, e] of Object.entries(ENV)) {
    if (env[e] === undefined || env[e] === '') continue;
    if (spec.bool.has(k)) fromEnv[k] = truthy(env[e]);
    else if (spec.value.has(k)) fromEnv[k] = env[e];
  }
  const merged = { ...fromEnv, ...file, ...cli };
  for (const k of spec.multi) {
    const key = canon(k);
    if (file[key] || cli[key]) merged[key] = [...(file[key] ?? []), ...(cli[key] ?? [])];
  }
  return { ...merged, _positional: positional };
}

/** The value of one `--kubelet-arg=name=value` (the last one wins, as in the kubelet's own flag parsing). */
export function kubeletArg(f, name) {
  const hit = (f['kubelet-arg'] ?? [])
    .map(String)
    .filter((a) => a.replace(/^--/, '').startsWith(`${name}=`))
    .at(-1);
  return hit === undefined ? undefined : hit.replace(/^--/, '').slice(name.length + 1);
}
