#!/usr/bin/env node
// TEST STAND-IN for kubeadm (not real kubeadm: it runs no containers and uses stand-ins for the
// kubelet and kube-apiserver, a REAL etcd for stacked etcd). Honours:
//   kubeadm init [--config F] [--upload-certs] [--certificate-key K] [flags]       (init.mjs)
//   kubeadm join ENDPOINT --token T --discovery-token-ca-cert-hash H
//                [--control-plane --certificate-key K] [flags]                      (join.mjs)
//   kubeadm token create [TOKEN] [--ttl D | --config F] [--print-join-command] [--certificate-key K]
//   kubeadm token list | token delete ID | token generate
//   kubeadm init phase upload-certs --upload-certs [--certificate-key K | --config F] [--skip-certificate-key-print]
//   kubeadm certs certificate-key
//   kubeadm reset [-f]                                                             (reset.mjs)
//   kubeadm version [-o short|json|yaml]
// Errors print like kubeadm's ("error execution phase <phase>: ..." + the --v=5 hint) and exit 1;
// an unknown flag is "unknown flag: --x". The version is $KUBEADM_STANDIN_VERSION (baked into the
// installed wrapper by make-binary.sh; default v1.31.7). STANDIN_ROOT prefixes all absolute paths.
import { caCertHash } from '../kube-api/pki.mjs';
import { readFile } from '../kube-api/paths.mjs';
import { stringify } from '../kube-api/yaml-lite.mjs';
import { kubeadmVersion, loadConfig, parseFlags } from './config.mjs';
import { kubeconfigClient } from './client.mjs';
import { createToken, deleteToken, generateCertificateKey, generateToken, listTokens, uploadCerts } from './tokens.mjs';
import { sharedFiles } from './certs.mjs';

const FLAGS = {
  init: { bools: ['upload-certs', 'skip-token-print', 'skip-certificate-key-print', 'dry-run'], values: ['config', 'certificate-key', 'control-plane-endpoint',
    'apiserver-advertise-address', 'apiserver-bind-port', 'kubernetes-version', 'node-name', 'pod-network-cidr', 'service-cidr',
    'token', 'token-ttl', 'cri-socket', 'v', 'image-repository', 'service-dns-domain', 'feature-gates', 'patches'],
    multi: ['apiserver-cert-extra-sans', 'ignore-preflight-errors', 'skip-phases'] },
  join: { bools: ['control-plane', 'discovery-token-unsafe-skip-ca-verification', 'dry-run'], values: ['config', 'token', 'discovery-token',
    'tls-bootstrap-token', 'certificate-key', 'apiserver-advertise-address', 'apiserver-bind-port', 'node-name', 'cri-socket', 'v',
    'discovery-file', 'patches'], multi: ['discovery-token-ca-cert-hash', 'ignore-preflight-errors', 'skip-phases'] },
  token: { bools: ['print-join-command'], values: ['ttl', 'description', 'config', 'certificate-key', 'kubeconfig', 'v', 'o', 'output'],
    multi: ['usages', 'groups'] },
  reset: { bools: ['f', 'force'], values: ['v', 'cri-socket', 'kubeconfig', 'config'], multi: ['ignore-preflight-errors', 'skip-phases'] },
  version: { bools: [], values: ['o', 'output'], multi: [] },
  phase: { bools: ['upload-certs', 'skip-certificate-key-print'], values: ['config', 'certificate-key', 'kubeconfig', 'v'], multi: [] },
  certs: { bools: [], values: ['v'], multi: [] },
};

function flagsFor(cmd, argv) {
  const spec = FLAGS[cmd];
  return parseFlags(argv, spec.bools, spec.multi, spec.values);
}

function versionInfo() {
  const v = kubeadmVersion();
  const [, major, minor] = /^v(\d+)\.(\d+)/.exec(v);
  return { major, minor, gitVersion: v, gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23.6', compiler: 'gc', platform: 'linux/amd64' };
}

function version(flags) {
  const o = flags.o ?? flags.output;
  const info = versionInfo();
  if (o === 'short') return `${info.gitVersion}\n`;
  if (o === 'json') return `${JSON.stringify({ clientVersion: info }, null, 2)}\n`;
  if (o === 'yaml') return stringify({ clientVersion: info });
  return `kubeadm version: &version.Info{Major:"${info.major}", Minor:"${info.minor}", GitVersion:"${info.gitVersion}", GitCommit:"${info.gitCommit}", GitTreeState:"clean", BuildDate:"${info.buildDate}", GoVersion:"${info.goVersion}", Compiler:"gc", Platform:"linux/amd64"}\n`;
}

async function token(sub, flags, positional) {
  if (sub === 'generate') return `${generateToken()}\n`;
  const client = kubeconfigClient(flags.kubeconfig ?? '/etc/kubernetes/admin.conf');
  if (sub === 'list') return listTokens(client);
  if (sub === 'delete') return `${(await Promise.all(positional.map((id) => deleteToken(client, id)))).join('\n')}\n`;
  if (sub !== 'create') throw Object.assign(new Error(`unknown command "${sub}" for "kubeadm token"`), { usage: true });
  // As kubeadm: with --config the InitConfiguration's bootstrapTokens are created (or updated), the
  // first one printed; flags other than --config/--print-join-command/--certificate-key/--kubeconfig
  // cannot be mixed with it. Without --config, one token from [TOKEN] and the flags.
  let tokens;
  if (flags.config) {
    const mixed = Object.keys(flags).filter((k) => !['config', 'print-join-command', 'certificate-key', 'kubeconfig', 'v'].includes(k));
    if (mixed.length) throw new Error(`can not mix '--config' with arguments [${mixed.join(' ')}]`);
    tokens = loadConfig({ config: flags.config }, 'init').init.bootstrapTokens.map((bt, i) => ({
      token: (i === 0 ? positional[0] : undefined) || bt.token || generateToken(), ttl: bt.ttl ?? '24h0m0s', usages: bt.usages, groups: bt.groups,
      description: bt.description }));
  } else {
    tokens = [{ token: positional[0] ?? generateToken(), ttl: flags.ttl ?? '24h0m0s', usages: flags.usages, groups: flags.groups, description: flags.description }];
  }
  for (const { token: tok, ...opts } of tokens) await createToken(client, tok, opts);
  const t = tokens[0].token;
  if (!flags['print-join-command']) return `${t}\n`;
  const endpoint = new URL(client.server).host;
  const hash = caCertHash(readFile('/etc/kubernetes/pki/ca.crt'));
  const cp = flags['certificate-key'] ? ` --control-plane --certificate-key ${flags['certificate-key']}` : '';
  return `kubeadm join ${endpoint} --token ${t} --discovery-token-ca-cert-hash ${hash}${cp} \n`;
}

async function uploadCertsPhase(flags) {
  if (!flags['upload-certs']) return '[upload-certs] Skipping phase. Please see --upload-certs\n';
  const cfg = loadConfig(flags.config ? { config: flags.config } : {}, 'init');
  const cluster = cfg.cluster;
  const client = kubeconfigClient(flags.kubeconfig ?? '/etc/kubernetes/admin.conf');
  const cm = await client.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
  if (cm && !flags.config) {
    const { parse } = await import('../kube-api/yaml-lite.mjs');
    const ext = parse(cm.data.ClusterConfiguration).etcd?.external;
    if (ext?.endpoints) cluster.etcd = { external: ext };
  }
  // The key: --certificate-key, else the config's InitConfiguration.certificateKey, else a new one.
  const key = flags['certificate-key'] ?? (cfg.init.certificateKey || generateCertificateKey());
  await uploadCerts(client, key, sharedFiles(cluster.certificatesDir, cluster));
  const out = '[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n';
  return flags['skip-certificate-key-print'] ? out : `${out}[upload-certs] Using certificate key:\n${key}\n`;
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  if (cmd === 'init' && rest[0] === 'phase') {
    if (rest[1] !== 'upload-certs') throw new Error(`kubeadm init phase ${rest[1]}: not provided by the kubeadm test stand-in`);
    return uploadCertsPhase(flagsFor('phase', rest.slice(2)).flags);
  }
  if (cmd === 'init') { const { init } = await import('./init.mjs'); await init(flagsFor('init', rest).flags); return ''; }
  if (cmd === 'join') {
    const { flags, positional } = flagsFor('join', rest);
    const { join } = await import('./join.mjs');
    await join(flags, positional);
    return '';
  }
  if (cmd === 'token') { const { flags, positional } = flagsFor('token', rest.slice(1)); return token(rest[0], flags, positional); }
  if (cmd === 'reset') { const { reset } = await import('./reset.mjs'); await reset(flagsFor('reset', rest).flags); return ''; }
  if (cmd === 'version') return version(flagsFor('version', rest).flags);
  if (cmd === 'certs' && rest[0] === 'certificate-key') return `${generateCertificateKey()}\n`;
  throw Object.assign(new Error(`unknown command "${cmd ?? ''}" for "kubeadm"`), { usage: true });
}

try {
  process.stdout.write(await main(process.argv.slice(2)));
  process.exit(0);
} catch (e) {
  const text = e.phase ? `error execution phase ${e.phase}: ${e.message}` : e.usage ? `Error: ${e.message}` : e.message;
  process.stderr.write(`${text}\nTo see the stack trace of this error execute with --v=5 or higher\n`);
  if (process.env.KUBEADM_STANDIN_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
}
