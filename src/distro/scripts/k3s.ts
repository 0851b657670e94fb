/**
 * k3s: first server, joining servers, agents, uninstall. Everything k3s reads goes into
 * /etc/rancher/k3s/config.yaml (token by file), so the installer only gets the pinned version and
 * `server`/`agent`, and a changed config restarts the service.
 */
import { toYaml } from '../../util/yaml-write.js';
import { SECRET_ENV, SECRET_NAMES, artifactRef, secretRef } from '../pki/names.js';
import { API_PORT } from './haproxy.js';
import { etcdClientUrls } from './etcd.js';
import { HOST_STATE_DIR, assertName, heredoc, httpsUrl, makeScript, shellQuote } from './common.js';
import { labelArgs, lbSans, taintArgs, validateNodeInput } from './node.js';
import { installTarget, VERSION_LINE } from './versions.js';
import { K3S_CHANNEL_URL } from '../../api/catalog.js';
import { InputError } from '../../errors.js';
import type { K3sJoinInput, NodeInput, Script, ScriptFile } from './types.js';

export const K3S_BIN = '/usr/local/bin/k3s';
export const K3S_CONFIG_PATH = '/etc/rancher/k3s/config.yaml';
export const K3S_TOKEN_PATH = '/etc/rancher/k3s/ksctl-token';
/** Kubeconfig written by the server (server: https://127.0.0.1:6443); ksctl rewrites the server to the LB. */
export const K3S_KUBECONFIG_PATH = '/etc/rancher/k3s/k3s.yaml';
/** The k3s installer for channel installs (a pinned release fetches the installer of its own tag). */
export const K3S_INSTALLER_URL = 'https://get.k3s.io';
/** Where the install script is downloaded (online) or uploaded (air-gapped). */
export const K3S_INSTALLER_PATH = `${HOST_STATE_DIR}/k3s/install.sh`;
export const K3S_ETCD_DIR = '/etc/k3s/etcd';
export const K3S_IMAGES_DIR = '/var/lib/rancher/k3s/agent/images';
/** Written by the first server: `K10<sha256 of the cluster CA bundle>::server:<password>`. */
export const K3S_SERVER_TOKEN_PATH = '/var/lib/rancher/k3s/server/token';

export type K3sRole = 'server-init' | 'server-join' | 'agent';

/** The config.yaml for a role (pure, no secrets: the token is referenced by file). */
export function k3sConfig(role: K3sRole, input: NodeInput): string {
  validateNodeInput(input);
  const lbUrl = httpsUrl(input.loadBalancer.address, input.loadBalancer.port ?? API_PORT);
  const cfg: Record<string, unknown> = {
    'node-name': input.node.name,
    'node-ip': input.node.address,
    'token-file': K3S_TOKEN_PATH,
    // The embedded kubelet's flags, as kubeadm's kubeletExtraArgs: this node's provider ID, and the
    // operator's consent to cgroup v1 (kubelet >= 1.35 refuses it otherwise).
    'kubelet-arg': [
      `provider-id=${input.providerId}`,
      ...(input.kubelet?.allowCgroupV1 ? ['fail-cgroupv1=false'] : []),
    ],
  };
  if (role === 'agent') {
    // The pool's labels and taints, set by the agent's kubelet when it registers the Node.
    const labels = labelArgs(input.registration);
    const taints = taintArgs(input.registration);
    return toYaml({
      server: lbUrl,
      ...cfg,
      ...(labels.length > 0 ? { 'node-label': labels } : {}),
      ...(taints.length > 0 ? { 'node-taint': taints } : {}),
    });
  }
  cfg['tls-san'] = lbSans(input.loadBalancer);
  cfg['write-kubeconfig-mode'] = '0600';
  const etcd = input.etcd ?? [];
  if (etcd.length > 0) {
    // Servers sharing an external datastore and the token need no `server:`.
    cfg['datastore-endpoint'] = etcdClientUrls(etcd).join(',');
    cfg['datastore-cafile'] = `${K3S_ETCD_DIR}/ca.crt`;
    cfg['datastore-certfile'] = `${K3S_ETCD_DIR}/client.crt`;
    cfg['datastore-keyfile'] = `${K3S_ETCD_DIR}/client.key`;
  } else if (role === 'server-init') {
    cfg['cluster-init'] = true;
  } else {
    cfg.server = lbUrl;
  }
  return toYaml(cfg);
}

function k3sFiles(role: K3sRole, input: NodeInput): ScriptFile[] {
  const files: ScriptFile[] = [];
  if (role !== 'agent' && (input.etcd ?? []).length > 0) {
    files.push(
      { path: `${K3S_ETCD_DIR}/ca.crt`, mode: 0o644, contentRef: secretRef(SECRET_NAMES.etcdCaCert) },
      { path: `${K3S_ETCD_DIR}/client.crt`, mode: 0o644, contentRef: secretRef(SECRET_NAMES.etcdClientCert) },
      { path: `${K3S_ETCD_DIR}/client.key`, mode: 0o600, contentRef: secretRef(SECRET_NAMES.etcdClientKey) },
    );
  }
  if (input.airgap) {
    files.push(
      { path: K3S_BIN, mode: 0o755, contentRef: artifactRef('k3s') },
      { path: K3S_INSTALLER_PATH, mode: 0o755, contentRef: artifactRef('k3s-install.sh') },
    );
    for (const image of input.airgap.images ?? []) {
      assertName(image, 'airgap.images[]');
      files.push({ path: `${K3S_IMAGES_DIR}/${image}`, mode: 0o644, contentRef: artifactRef(image) });
    }
  }
  return files;
}

/**
 * `start: false` (a first server that a restore resets before its first start): the same files and
 * install, with the installer's INSTALL_K3S_SKIP_START, and no wait; the normal script started later
 * finds k3s installed but inactive, runs the installer again and starts it.
 */
function k3sScript(role: K3sRole, input: K3sJoinInput, description: string, start = true): Script {
  const config = k3sConfig(role, input);
  if (input.caHash !== undefined && !/^[0-9a-f]{64}$/.test(input.caHash)) {
    throw new InputError(`caHash must be 64 lower-case hex digits (sha256), got ${JSON.stringify(input.caHash)}`, [
      'caHash',
    ]);
  }
  const target = installTarget('k3s', input.kubernetesVersion);
  const service = role === 'agent' ? 'k3s-agent' : 'k3s';
  const external = role !== 'agent' && (input.etcd ?? []).length > 0;
  const timeout = input.timeoutSeconds ?? 600;
  const token = SECRET_ENV.k3sToken;
  // A full token pins the cluster CA (the hash is public: only the password is secret).
  const tokenLine = input.caHash
    ? `printf 'K10${input.caHash}::server:%s\\n' "$${token}"`
    : `printf '%s\\n' "$${token}"`;
  const summed = [
    K3S_CONFIG_PATH,
    K3S_TOKEN_PATH,
    ...(external ? ['ca.crt', 'client.crt', 'client.key'].map((f) => `${K3S_ETCD_DIR}/${f}`) : []),
  ];
  const installerUrl = target.pinned
    ? `https://raw.githubusercontent.com/k3s-io/k3s/${target.pinned.replace('+', '%2B')}/install.sh`
    : K3S_INSTALLER_URL;
  // A minor installs the newest patch of its channel (the installer asks the channel server); a
  // pinned release exactly that one. Air-gapped: whatever was uploaded, if it is the right one.
  const choose = target.pinned
    ? `INSTALL_K3S_VERSION=${shellQuote(target.pinned)}`
    : `INSTALL_K3S_CHANNEL=${shellQuote(`v${target.minor}`)} INSTALL_K3S_CHANNEL_URL=${shellQuote(K3S_CHANNEL_URL)}`;
  const installer = input.airgap
    ? [
        `  require_file ${K3S_BIN} ${K3S_INSTALLER_PATH}`,
        `  installed_ok || die "uploaded ${K3S_BIN} is $(installed_version), expected $wanted"`,
      ]
    : [
        `  ensure_dir ${HOST_STATE_DIR}/k3s 0700`,
        `  curl -sfL --retry 5 --retry-connrefused -o ${K3S_INSTALLER_PATH}.ksctl-tmp ${shellQuote(installerUrl)}`,
        `  mv -f ${K3S_INSTALLER_PATH}.ksctl-tmp ${K3S_INSTALLER_PATH}`,
      ];
  const ready =
    role === 'agent'
      ? `wait_for ${timeout} 3 "${service} service active" systemctl is-active --quiet ${service}`
      : `wait_for ${timeout} 3 "the k3s API server" ${K3S_BIN} kubectl --kubeconfig ${K3S_KUBECONFIG_PATH} get --raw=/readyz`;
  const install = (skipStart: boolean) => [
    ...installer,
    // K3S_* variables would be copied into the unit's env file: the token lives in token-file only.
    `  env -u ${token} ${input.airgap ? 'INSTALL_K3S_SKIP_DOWNLOAD=true' : choose} INSTALL_K3S_EXEC=${role === 'agent' ? 'agent' : 'server'} \\`,
    `    ${skipStart ? 'INSTALL_K3S_SKIP_START=true' : 'INSTALL_K3S_FORCE_RESTART=true'} sh ${K3S_INSTALLER_PATH}`,
    `  installed_ok || die "k3s $(installed_version) is installed, expected $wanted"`,
  ];
  const started = [
    `if installed_ok && systemctl is-active --quiet ${service}; then`,
    `  if needs_apply ${service} "$sum"; then`,
    '    log "configuration changed: restarting ' + service + '"',
    `    systemctl restart ${service}`,
    '  else',
    `    log "k3s $(installed_version) already running as ${service}"`,
    '  fi',
    'else',
    `  log "installing k3s $wanted (${service})"`,
    ...install(false),
    'fi',
    `if ! ${ready}; then`,
    `  journalctl -u ${service} -n 40 --no-pager >&2 || true # diagnostics only`,
    `  die "${service} did not become ready"`,
    'fi',
    `mark_applied ${service} "$sum"`,
    `log "${service} ready on ${input.node.name}"`,
  ];
  const unstarted = [
    `if installed_ok; then`,
    `  log "k3s $(installed_version) already installed (not started)"`,
    'else',
    `  log "installing k3s $wanted (${service}, not started)"`,
    ...install(true),
    'fi',
  ];
  return makeScript({
    name: start ? `k3s-${role}` : `k3s-${role}-install`,
    description,
    secretEnv: [token],
    files: k3sFiles(role, input),
    body: [
      `wanted=${shellQuote(target.pinned ?? `v${target.minor} (newest patch)`)}`,
      `installed_version() { if [ -x ${K3S_BIN} ]; then ${K3S_BIN} --version | awk 'NR == 1 { print $3 }'; fi; }`,
      target.pinned
        ? `installed_ok() { [ "$(installed_version)" = ${shellQuote(target.pinned)} ]; }`
        : `installed_ok() { case "$(installed_version)" in ${shellQuote(`v${target.minor}.`)}*) true ;; *) false ;; esac; }`,
      `ensure_dir /etc/rancher/k3s 0755`,
      // printf is a builtin: the token never appears on a command line.
      `${tokenLine} | write_file ${K3S_TOKEN_PATH} 0600 root:root`,
      ...(external
        ? [
            `require_file ${K3S_ETCD_DIR}/ca.crt ${K3S_ETCD_DIR}/client.crt ${K3S_ETCD_DIR}/client.key`,
            `chmod 0700 ${K3S_ETCD_DIR}`,
            `chmod 0600 ${K3S_ETCD_DIR}/client.key`,
          ]
        : []),
      `write_file ${K3S_CONFIG_PATH} 0600 root:root ${heredoc(config)}`,
      ...(start ? [`sum=$(sum_files ${summed.join(' ')})`, ...started] : unstarted),
    ],
  });
}

/** First server: `cluster-init` (embedded etcd) or the external datastore. */
export function k3sServerInitScript(input: NodeInput): Script {
  return k3sScript('server-init', input, `k3s first server ${input.node.name}`);
}

/** The first server installed and configured but not started: a restore resets it first. */
export function k3sServerInstallScript(input: NodeInput): Script {
  return k3sScript('server-init', input, `k3s first server ${input.node.name}, installed not started`, false);
}

/** Another server: joins through the LB (embedded) or shares the external datastore. */
export function k3sServerJoinScript(input: K3sJoinInput): Script {
  return k3sScript('server-join', input, `k3s server ${input.node.name} joins`);
}

/** An agent (worker) joining through the LB. */
export function k3sAgentJoinScript(input: K3sJoinInput): Script {
  return k3sScript('agent', input, `k3s agent ${input.node.name} joins`);
}

/** Prints `ca-hash <hex>`: the CA hash from the first server's full token (never the password). */
export function k3sCaHashScript(): Script {
  return makeScript({
    name: 'k3s-ca-hash',
    description: 'read the cluster CA hash',
    body: [
      `require_file ${K3S_SERVER_TOKEN_PATH}`,
      `hash=$(sed -n 's/^K10\\([0-9a-f]\\{64\\}\\)::.*$/\\1/p' ${K3S_SERVER_TOKEN_PATH})`,
      `[ -n "$hash" ] || die "${K3S_SERVER_TOKEN_PATH} holds no K10 token"`,
      'echo "ca-hash $hash"',
    ],
  });
}

/** Prints the versions installed on this machine (`kubernetes-version kubernetes|distribution v…`). */
export function k3sVersionScript(): Script {
  return makeScript({
    name: 'k3s-version',
    description: 'read the installed k3s version',
    body: [
      `v=$(${K3S_BIN} --version | awk 'NR == 1 { print $3 }')`,
      `case "$v" in v*) ;; *) die "${K3S_BIN} --version printed no version" ;; esac`,
      `echo "${VERSION_LINE} distribution $v"`,
      `echo "${VERSION_LINE} kubernetes \${v%%+*}"`,
    ],
  });
}

/** Remove k3s (server or agent) and ksctl's files for it. Idempotent. */
export function k3sUninstallScript(): Script {
  return makeScript({
    name: 'k3s-uninstall',
    description: 'remove k3s',
    body: [
      'for s in k3s-uninstall.sh k3s-agent-uninstall.sh; do',
      '  if [ -x "/usr/local/bin/$s" ]; then "/usr/local/bin/$s"; fi',
      'done',
      `rm -rf /etc/rancher/k3s /etc/k3s ${HOST_STATE_DIR}/k3s ${HOST_STATE_DIR}/applied/k3s ${HOST_STATE_DIR}/applied/k3s-agent`,
    ],
  });
}

/**
 * Upgrades only: restarts the service on the binary now installed. Air-gapped, the new binary is uploaded
 * before the install script runs, which then finds it "installed and active" and leaves the old process
 * running; the restart makes the node run the release its binary is.
 */
export function k3sRestartScript(role: 'server' | 'agent', timeoutSeconds = 600): Script {
  const service = role === 'agent' ? 'k3s-agent' : 'k3s';
  const ready =
    role === 'agent'
      ? `wait_for ${timeoutSeconds} 3 "${service} service active" systemctl is-active --quiet ${service}`
      : `wait_for ${timeoutSeconds} 3 "the k3s API server" ${K3S_BIN} kubectl --kubeconfig ${K3S_KUBECONFIG_PATH} get --raw=/readyz`;
  return makeScript({
    name: `k3s-restart-${role}`,
    description: `restart ${service} on the installed k3s binary`,
    body: [
      `log "restarting ${service} on $(${K3S_BIN} --version | awk 'NR == 1 { print $3 }')"`,
      `systemctl restart ${service}`,
      `${ready} || die "${service} did not become ready after its restart"`,
    ],
  });
}
