// TEST STAND-IN support (not shipped): kubeadm's configuration — command-line flags and
// `--config` files with kubeadm.k8s.io/v1beta3 or v1beta4 InitConfiguration,
// ClusterConfiguration and JoinConfiguration documents (KubeletConfiguration and
// KubeProxyConfiguration are accepted and ignored) — normalised into one object with kubeadm's
// defaults. Mixing --config with flags kubeadm refuses to mix is an error, as in kubeadm.
import fs from 'node:fs';
import { parseAll } from '../kube-api/yaml-lite.mjs';
import { hostPath } from '../kube-api/paths.mjs';

export const DEFAULT_VERSION = 'v1.31.7';
export const kubeadmVersion = () => process.env.KUBEADM_STANDIN_VERSION || DEFAULT_VERSION;

/** Go time.Duration text ("24h0m0s", "10s", "1h30m", "0") to milliseconds. */
export function parseDuration(text) {
  const s = String(text).trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let ms = 0; let m; let used = 0;
  while ((m = re.exec(s))) {
    ms += Number(m[1]) * { h: 3600e3, m: 60e3, s: 1e3, ms: 1 }[m[2]];
    used += m[0].length;
  }
  if (!used || used !== s.length) throw new Error(`time: invalid duration "${s}"`);
  return ms;
}

/**
 * Parse `--flag value`, `--flag=value`, boolean flags and positionals; repeatable flags collect.
 * With `values`, any other flag is cobra's "unknown flag" error.
 */
export function parseFlags(argv, bools = [], multi = [], values) {
  const flags = {}; const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!m) { positional.push(argv[i]); continue; }
    const [, name, inline] = m;
    if (values && !values.includes(name) && !bools.includes(name) && !multi.includes(name)) {
      throw Object.assign(new Error(`unknown flag: ${argv[i].split('=')[0]}`), { usage: true });
    }
    let v;
    if (bools.includes(name)) v = inline === undefined ? true : inline !== 'false';
    else {
      v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`flag needs an argument: --${name}`);
    }
    if (multi.includes(name)) (flags[name] ??= []).push(...String(v).split(','));
    else flags[name] = v;
  }
  return { flags, positional };
}

/** v1beta3 extraArgs is a map, v1beta4 a list of {name, value}: return "--k=v" strings. */
export function extraArgs(x) {
  if (!x) return [];
  if (Array.isArray(x)) return x.map((a) => `--${a.name}=${a.value}`);
  return Object.entries(x).map(([k, v]) => `--${k}=${v}`);
}

function readDocs(file) {
  const docs = parseAll(fs.readFileSync(hostPath(file), 'utf8'));
  const byKind = {};
  for (const d of docs) {
    if (!d?.kind) continue;
    if (/^kubeadm\.k8s\.io\//.test(d.apiVersion ?? '') && !/\/v1beta[34]$/.test(d.apiVersion)) {
      throw new Error(`your configuration file uses an old API spec: "${d.apiVersion}" (kind: "${d.kind}"). Please use kubeadm v1.22 instead and run 'kubeadm config migrate --old-config old.yaml --new-config new.yaml', which will write the new, similar spec using a newer API version.`);
    }
    byKind[d.kind] = d;
  }
  return byKind;
}

/** Host part of "host:port" / "[v6]:port". */
export const hostOf = (endpoint) => endpoint.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/:\d+$/, '');

/**
 * Effective settings for init/join. flags: parsed CLI flags. Returns { cluster, init, join } with
 * kubeadm defaults filled in.
 */
export function loadConfig(flags, command) {
  const docs = flags.config ? readDocs(flags.config) : {};
  const allowedWithConfig = ['config', 'upload-certs', 'certificate-key', 'skip-phases', 'ignore-preflight-errors', 'v',
    'skip-token-print', 'dry-run', 'control-plane', 'node-name', 'cri-socket'];
  if (flags.config) {
    // kubeadm also allows every --skip-* flag next to --config.
    const mixed = Object.keys(flags).filter((k) => !allowedWithConfig.includes(k) && !k.startsWith('skip-'));
    if (mixed.length) throw new Error(`can not mix '--config' with arguments [${mixed.join(' ')}]`);
  }
  const cc = docs.ClusterConfiguration ?? {};
  const ic = docs.InitConfiguration ?? {};
  const jc = docs.JoinConfiguration ?? {};
  const ext = cc.etcd?.external;
  const cluster = {
    clusterName: cc.clusterName ?? 'kubernetes',
    kubernetesVersion: flags['kubernetes-version'] ?? cc.kubernetesVersion ?? kubeadmVersion(),
    controlPlaneEndpoint: flags['control-plane-endpoint'] ?? cc.controlPlaneEndpoint ?? '',
    certificatesDir: cc.certificatesDir ?? '/etc/kubernetes/pki',
    podSubnet: flags['pod-network-cidr'] ?? cc.networking?.podSubnet ?? '',
    serviceSubnet: flags['service-cidr'] ?? cc.networking?.serviceSubnet ?? '10.96.0.0/12',
    dnsDomain: cc.networking?.dnsDomain ?? 'cluster.local',
    certSANs: [...(cc.apiServer?.certSANs ?? []), ...(flags['apiserver-cert-extra-sans'] ?? [])].map(String),
    apiServerExtraArgs: extraArgs(cc.apiServer?.extraArgs),
    etcd: ext?.endpoints
      ? { external: { endpoints: [].concat(ext.endpoints), caFile: ext.caFile, certFile: ext.certFile, keyFile: ext.keyFile } }
      : { local: { dataDir: cc.etcd?.local?.dataDir ?? '/var/lib/etcd' } },
  };
  const nr = (command === 'join' ? jc : ic).nodeRegistration ?? {};
  const lae = command === 'join' ? jc.controlPlane?.localAPIEndpoint ?? {} : ic.localAPIEndpoint ?? {};
  const node = {
    name: String(flags['node-name'] ?? nr.name ?? '').toLowerCase(),
    taints: nr.taints, kubeletExtraArgs: extraArgs(nr.kubeletExtraArgs),
    ignorePreflightErrors: [...(nr.ignorePreflightErrors ?? []), ...[].concat(flags['ignore-preflight-errors'] ?? [])].map((s) => s.toLowerCase()),
    advertiseAddress: flags['apiserver-advertise-address'] ?? lae.advertiseAddress ?? '',
    bindPort: Number(flags['apiserver-bind-port'] ?? lae.bindPort ?? 6443),
  };
  const init = {
    bootstrapTokens: ic.bootstrapTokens ?? [{}],
    certificateKey: flags['certificate-key'] ?? ic.certificateKey ?? '',
    skipPhases: [...(ic.skipPhases ?? []), ...[].concat(flags['skip-phases'] ?? [])],
  };
  if (flags.token) init.bootstrapTokens = [{ ...init.bootstrapTokens[0], token: flags.token }];
  if (flags['token-ttl']) init.bootstrapTokens = [{ ...init.bootstrapTokens[0], ttl: flags['token-ttl'] }];
  const bt = jc.discovery?.bootstrapToken ?? {};
  const join = {
    apiServerEndpoint: bt.apiServerEndpoint ?? '',
    token: bt.token ?? jc.discovery?.tlsBootstrapToken ?? '',
    tlsBootstrapToken: jc.discovery?.tlsBootstrapToken ?? bt.token ?? '',
    caCertHashes: [].concat(bt.caCertHashes ?? []),
    unsafeSkipCAVerification: Boolean(bt.unsafeSkipCAVerification),
    timeoutMs: parseDuration(process.env.KUBEADM_STANDIN_DISCOVERY_TIMEOUT ?? jc.timeouts?.discovery ?? jc.discovery?.timeout ?? '5m0s'),
    controlPlane: Boolean(flags['control-plane'] || jc.controlPlane),
    certificateKey: flags['certificate-key'] ?? jc.controlPlane?.certificateKey ?? '',
  };
  return { cluster, node, init, join };
}
