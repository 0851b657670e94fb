// TEST STAND-IN support (not shipped): kubeadm's configuration — command-line flags and
// `--config` files with InitConfiguration, ClusterConfiguration and JoinConfiguration documents in
// the API versions the played kubeadm reads (v1beta4 from 1.31; v1beta3 until 1.36, refused by 1.37
// with kubeadm's own message), a KubeletConfiguration (handed to the kubelet, as kubeadm does;
// KubeProxyConfiguration is accepted and ignored) — normalised into one object with kubeadm's
// defaults. v1beta4's extraArgs must be lists, as kubeadm's strict decoding demands. Mixing --config
// with flags kubeadm refuses to mix is an error, as in kubeadm.
import fs from 'node:fs';
import { parseAll } from '../kube-api/yaml-lite.mjs';
import { hostPath } from '../kube-api/paths.mjs';

export const DEFAULT_VERSION = 'v1.31.7';
export const kubeadmVersion = () => process.env.KUBEADM_STANDIN_VERSION || DEFAULT_VERSION;
const kubeadmMinor = () => Number(kubeadmVersion().replace(/^v/, '').split('.')[1]);

/** The last kubeadm that reads each retired kubeadm.k8s.io version (cmd/kubeadm/app/util/config/common.go). */
const LAST_READER = { v1alpha1: 'v1.11', v1alpha2: 'v1.12', v1alpha3: 'v1.14', v1beta1: 'v1.15', v1beta2: 'v1.22', v1beta3: 'v1.36' };

function checkApiVersion(d) {
  const version = d.apiVersion.split('/')[1];
  const readable = version === 'v1beta4' ? kubeadmMinor() >= 31 : version === 'v1beta3' ? kubeadmMinor() < 37 : false;
  if (readable) return;
  const use = LAST_READER[version];
  if (use) {
    throw new Error(`your configuration file uses an old API spec: "${d.apiVersion}" (kind: "${d.kind}"). Please use kubeadm ${use} instead and run 'kubeadm config migrate --old-config old-config-file --new-config new-config-file', which will write the new, similar spec using a newer API version.`);
  }
  throw new Error(`no kind "${d.kind}" is registered for version "${d.apiVersion}" in scheme`);
}

/** v1beta4 decodes extraArgs into []Arg: a v1beta3-style map is a decoding error there. */
function checkArgLists(d) {
  if (d.apiVersion !== 'kubeadm.k8s.io/v1beta4') return;
  const fields = [
    ['NodeRegistrationOptions.nodeRegistration.kubeletExtraArgs', d.nodeRegistration?.kubeletExtraArgs],
    ['APIServer.apiServer.extraArgs', d.apiServer?.extraArgs],
    ['ControlPlaneComponent.controllerManager.extraArgs', d.controllerManager?.extraArgs],
    ['ControlPlaneComponent.scheduler.extraArgs', d.scheduler?.extraArgs],
  ];
  for (const [field, value] of fields) {
    if (value !== undefined && value !== null && !Array.isArray(value)) {
      throw new Error(`error unmarshaling configuration schema.GroupVersionKind{Group:"kubeadm.k8s.io", Version:"v1beta4", Kind:"${d.kind}"}: json: cannot unmarshal object into Go struct field ${field} of type []v1beta4.Arg`);
    }
  }
}

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
    if (/^kubeadm\.k8s\.io\//.test(d.apiVersion ?? '')) {
      checkApiVersion(d);
      checkArgLists(d);
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
  // The KubeletConfiguration kubeadm writes to /var/lib/kubelet/config.yaml and the kubelet-config ConfigMap.
  const { apiVersion: _a, kind: _k, ...kubelet } = docs.KubeletConfiguration ?? {};
  return { cluster, node, init, join, kubelet };
}
