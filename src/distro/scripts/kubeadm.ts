/**
 * kubeadm lifecycle: init on the first control plane, control-plane and worker joins, a "mint" run
 * on CP0 that refreshes the bootstrap token and uploaded certificates for late joins, the CNI, and
 * reset. Secrets (bootstrap token, certificate key) arrive as environment variables and go only into
 * 0600 config files; a run that stopped half-way is detected by a marker and reset before retrying.
 */
import { SECRET_ENV, SECRET_NAMES, artifactRef, secretRef } from '../pki/names.js';
import { HOST_STATE_DIR, heredoc, httpsUrl, makeScript, shellQuote } from './common.js';
import { API_PORT } from './haproxy.js';
import {
  CERT_KEY_PLACEHOLDER,
  DEFAULT_POD_SUBNET,
  KUBEADM_ETCD_FILES,
  TOKEN_PLACEHOLDER,
  VERSION_PLACEHOLDER,
  kubeadmInitConfig,
  kubeadmJoinConfig,
} from './kubeadm-config.js';
import type { KubeadmJoinInput, KubeadmNodeInput, Script, ScriptFile } from './types.js';

export const KUBEADM_CONFIG_DIR = '/etc/ksctl/kubeadm';
/** Uploaded CA and etcd client material, copied into /etc/kubernetes/pki (a reset empties that). */
export const KUBEADM_PKI_STAGING = `${KUBEADM_CONFIG_DIR}/pki`;
export const KUBEADM_ADMIN_KUBECONFIG = '/etc/kubernetes/admin.conf';
export const KUBEADM_STATE_DIR = `${HOST_STATE_DIR}/kubeadm`;
export const FLANNEL_VERSION = 'v0.26.1';
export const FLANNEL_MANIFEST_PATH = `${KUBEADM_STATE_DIR}/kube-flannel.yml`;

const TOKEN = SECRET_ENV.kubeadmToken;
const CERT_KEY = SECRET_ENV.kubeadmCertificateKey;

const CHECK_SECRETS = (certKey: boolean): string[] => [
  `[[ $${TOKEN} =~ ^[a-z0-9]{6}\\.[a-z0-9]{16}$ ]] || die "${TOKEN} is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})"`,
  ...(certKey ? [`[[ $${CERT_KEY} =~ ^[0-9a-f]{64}$ ]] || die "${CERT_KEY} is not 64 hex digits"`] : []),
];

/** Render a config whose placeholders are filled from the environment inside bash. */
function renderConfig(path: string, yaml: string, certKey: boolean): string[] {
  return [
    `config=$(cat ${heredoc(yaml)}`,
    ')',
    `config=\${config//${TOKEN_PLACEHOLDER}/"$${TOKEN}"}`,
    ...(certKey ? [`config=\${config//${CERT_KEY_PLACEHOLDER}/"$${CERT_KEY}"}`] : []),
    ...(yaml.includes(VERSION_PLACEHOLDER)
      ? [`config=\${config//${VERSION_PLACEHOLDER}/"$(kubeadm version -o short)"}`]
      : []),
    `ensure_dir ${KUBEADM_CONFIG_DIR} 0700`,
    `printf '%s\\n' "$config" | write_file ${path} 0600 root:root`,
    'unset config',
  ];
}

/** Bash `kubeadm_leftovers`: any trace of an earlier (possibly interrupted) init or join on this node. */
export const LEFTOVERS = [
  'kubeadm_leftovers() {',
  '  [ -e /etc/kubernetes/admin.conf ] || [ -e /etc/kubernetes/kubelet.conf ] || [ -e /etc/kubernetes/bootstrap-kubelet.conf ] ||',
  '    [ -e /etc/kubernetes/pki/ca.crt ] || [ -n "$(find /etc/kubernetes/manifests -mindepth 1 -print -quit 2>/dev/null)" ]',
  '}',
];

/**
 * Secret store name → where kubeadm keeps the ServiceAccount signing pair it makes on the first control
 * plane (and copies to the others with the uploaded certificates). Stored tokens are signed with it: a
 * backup keeps it, and a cluster rebuilt from that backup is initialised with it (its certs phase "sa"
 * uses an existing pair as is).
 */
export const KUBEADM_SA_FILES = {
  'kubeadm-sa.key': { path: '/etc/kubernetes/pki/sa.key', mode: 0o600 },
  'kubeadm-sa.pub': { path: '/etc/kubernetes/pki/sa.pub', mode: 0o644 },
} as const;
const SA_NAMES = Object.keys(KUBEADM_SA_FILES) as (keyof typeof KUBEADM_SA_FILES)[];

function stagedFiles(external: boolean, serviceAccountKeys = false): ScriptFile[] {
  const s = KUBEADM_PKI_STAGING;
  return [
    { path: `${s}/ca.crt`, mode: 0o644, contentRef: secretRef(SECRET_NAMES.kubernetesCaCert) },
    { path: `${s}/ca.key`, mode: 0o600, contentRef: secretRef(SECRET_NAMES.kubernetesCaKey) },
    ...(serviceAccountKeys
      ? SA_NAMES.map((n) => ({ path: `${s}/${n}`, mode: KUBEADM_SA_FILES[n].mode, contentRef: secretRef(n) }))
      : []),
    ...(external
      ? [
          { path: `${s}/etcd-ca.crt`, mode: 0o644, contentRef: secretRef(SECRET_NAMES.etcdCaCert) },
          { path: `${s}/apiserver-etcd-client.crt`, mode: 0o644, contentRef: secretRef(SECRET_NAMES.etcdClientCert) },
          { path: `${s}/apiserver-etcd-client.key`, mode: 0o600, contentRef: secretRef(SECRET_NAMES.etcdClientKey) },
        ]
      : []),
  ];
}

function readyz(address: string, timeout: number): string[] {
  const server = shellQuote(httpsUrl(address, API_PORT));
  return [
    `if ! wait_for ${timeout} 3 "the local API server" kubectl --kubeconfig ${KUBEADM_ADMIN_KUBECONFIG} --server ${server} get --raw=/readyz; then`,
    '  journalctl -u kubelet -n 40 --no-pager >&2 || true # diagnostics only',
    '  die "the API server on this node did not become ready"',
    'fi',
  ];
}

/**
 * Create the config's bootstrap token, or renew it when it exists: `kubeadm token create` refuses an
 * existing ID ("a token with id ... already exists"), the bootstrap-token phase creates or updates it (and
 * re-applies its idempotent RBAC and cluster-info). `--skip-token-print`: the token never reaches a log.
 */
const REFRESH_TOKEN = (cfg: string) =>
  `kubeadm init phase bootstrap-token --config ${cfg} --skip-token-print >/dev/null`;

/** `kubeadm init` on the first control plane, with ksctl's CA; re-running refreshes token and certs. */
export function kubeadmInitScript(input: KubeadmNodeInput): Script {
  const yaml = kubeadmInitConfig(input);
  const external = (input.etcd ?? []).length > 0;
  const cfg = `${KUBEADM_CONFIG_DIR}/init.yaml`;
  const s = KUBEADM_PKI_STAGING;
  const marker = `${KUBEADM_STATE_DIR}/initialized`;
  return makeScript({
    name: 'kubeadm-init',
    description: `kubeadm init on ${input.node.name}`,
    secretEnv: [TOKEN, CERT_KEY],
    files: stagedFiles(external, input.serviceAccountKeys),
    body: [
      ...CHECK_SECRETS(true),
      `require_file ${s}/ca.crt ${s}/ca.key${external ? ` ${s}/etcd-ca.crt ${s}/apiserver-etcd-client.crt ${s}/apiserver-etcd-client.key` : ''}`,
      ...renderConfig(cfg, yaml, true),
      ...LEFTOVERS,
      `if [ -f ${marker} ] && [ -f ${KUBEADM_ADMIN_KUBECONFIG} ]; then`,
      '  log "already initialised: refreshing the bootstrap token and uploaded certificates"',
      `  ${REFRESH_TOKEN(cfg)}`,
      `  kubeadm init phase upload-certs --upload-certs --skip-certificate-key-print --config ${cfg}`,
      'else',
      '  if kubeadm_leftovers; then',
      '    warn "an earlier kubeadm run did not finish on this node: resetting it first"',
      '    kubeadm reset -f',
      '  fi',
      '  ensure_dir /etc/kubernetes/pki 0755',
      `  install -m 0644 ${s}/ca.crt /etc/kubernetes/pki/ca.crt`,
      `  install -m 0600 ${s}/ca.key /etc/kubernetes/pki/ca.key`,
      ...(external
        ? [
            '  ensure_dir /etc/kubernetes/pki/etcd 0755',
            `  install -m 0644 ${s}/etcd-ca.crt ${KUBEADM_ETCD_FILES.caFile}`,
            `  install -m 0644 ${s}/apiserver-etcd-client.crt ${KUBEADM_ETCD_FILES.certFile}`,
            `  install -m 0600 ${s}/apiserver-etcd-client.key ${KUBEADM_ETCD_FILES.keyFile}`,
          ]
        : []),
      ...(input.serviceAccountKeys
        ? SA_NAMES.map((n) => {
            const f = KUBEADM_SA_FILES[n];
            return `  install -m ${f.mode.toString(8).padStart(4, '0')} ${s}/${n} ${f.path}`;
          })
        : []),
      `  kubeadm init --config ${cfg} --upload-certs --skip-token-print --skip-certificate-key-print`,
      `  ensure_dir ${KUBEADM_STATE_DIR} 0700`,
      `  touch ${marker}`,
      'fi',
      ...readyz(input.node.address, input.timeoutSeconds ?? 600),
      `log "control plane ${input.node.name} initialised"`,
    ],
  });
}

function joinScript(input: KubeadmJoinInput, controlPlane: boolean): Script {
  const yaml = kubeadmJoinConfig(input, controlPlane);
  const cfg = `${KUBEADM_CONFIG_DIR}/join.yaml`;
  const marker = `${KUBEADM_STATE_DIR}/joined`;
  const timeout = input.timeoutSeconds ?? 600;
  return makeScript({
    name: controlPlane ? 'kubeadm-join-controlplane' : 'kubeadm-join-worker',
    description: `kubeadm join ${input.node.name} as a ${controlPlane ? 'control plane' : 'worker'}`,
    secretEnv: controlPlane ? [TOKEN, CERT_KEY] : [TOKEN],
    body: [
      ...CHECK_SECRETS(controlPlane),
      ...renderConfig(cfg, yaml, controlPlane),
      ...LEFTOVERS,
      `if [ -f ${marker} ] && [ -f /etc/kubernetes/kubelet.conf ]; then`,
      '  log "already joined"',
      'else',
      '  if kubeadm_leftovers; then',
      '    warn "an earlier kubeadm run did not finish on this node: resetting it first"',
      '    kubeadm reset -f',
      '  fi',
      `  kubeadm join --config ${cfg}`,
      `  ensure_dir ${KUBEADM_STATE_DIR} 0700`,
      `  touch ${marker}`,
      'fi',
      ...(controlPlane
        ? readyz(input.node.address, timeout)
        : [
            `wait_for ${timeout} 3 "the kubelet" systemctl is-active --quiet kubelet || die "the kubelet is not running"`,
          ]),
      `log "${input.node.name} joined"`,
    ],
  });
}

/** Join another control plane (certificates come from the cluster via the certificate key). */
export function kubeadmJoinControlPlaneScript(input: KubeadmJoinInput): Script {
  return joinScript(input, true);
}

export function kubeadmJoinWorkerScript(input: KubeadmJoinInput): Script {
  return joinScript(input, false);
}

/**
 * On CP0: make sure the (fresh, ksctl-generated) token exists and re-upload the control-plane
 * certificates under the given certificate key (they expire after 2 h). Prints only the CA hash:
 * `ca-cert-hash sha256:<hex>`.
 */
export function kubeadmMintScript(input: KubeadmNodeInput): Script {
  const cfg = `${KUBEADM_CONFIG_DIR}/mint.yaml`;
  return makeScript({
    name: 'kubeadm-mint',
    description: 'refresh the kubeadm bootstrap token and uploaded certificates',
    secretEnv: [TOKEN, CERT_KEY],
    body: [
      ...CHECK_SECRETS(true),
      `require_file ${KUBEADM_ADMIN_KUBECONFIG}`,
      ...renderConfig(cfg, kubeadmInitConfig(input), true),
      REFRESH_TOKEN(cfg),
      `kubeadm init phase upload-certs --upload-certs --skip-certificate-key-print --config ${cfg}`,
      'hash=$(openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt | openssl pkey -pubin -outform der | sha256sum | cut -d" " -f1)',
      'echo "ca-cert-hash sha256:${hash}"',
    ],
  });
}

/** Flannel, applied from CP0 (kubectl apply is idempotent). Pod CIDR must match the init config. */
export function kubeadmCniScript(input: Pick<KubeadmNodeInput, 'podSubnet' | 'airgap'>): Script {
  const subnet = input.podSubnet ?? DEFAULT_POD_SUBNET;
  const url = `https://github.com/flannel-io/flannel/releases/download/${FLANNEL_VERSION}/kube-flannel.yml`;
  return makeScript({
    name: 'kubeadm-cni',
    description: `flannel ${FLANNEL_VERSION} (pods ${subnet})`,
    files: input.airgap
      ? [{ path: FLANNEL_MANIFEST_PATH, mode: 0o644, contentRef: artifactRef('kube-flannel.yml') }]
      : [],
    body: [
      `ensure_dir ${KUBEADM_STATE_DIR} 0700`,
      input.airgap
        ? `require_file ${FLANNEL_MANIFEST_PATH}`
        : `curl -fsSL --retry 5 -o ${FLANNEL_MANIFEST_PATH}.ksctl-tmp ${shellQuote(url)} && mv -f ${FLANNEL_MANIFEST_PATH}.ksctl-tmp ${FLANNEL_MANIFEST_PATH}`,
      `sed 's#10.244.0.0/16#${subnet}#g' ${FLANNEL_MANIFEST_PATH} | write_file ${KUBEADM_STATE_DIR}/kube-flannel.applied.yml 0644 root:root`,
      `kubectl --kubeconfig ${KUBEADM_ADMIN_KUBECONFIG} apply -f ${KUBEADM_STATE_DIR}/kube-flannel.applied.yml`,
    ],
  });
}

/** Undo init/join on this node; optionally remove the packages too. */
export function kubeadmResetScript(opts: { purgePackages?: boolean } = {}): Script {
  return makeScript({
    name: 'kubeadm-reset',
    description: 'kubeadm reset',
    body: [
      'if command -v kubeadm >/dev/null 2>&1; then kubeadm reset -f; fi',
      `rm -rf /etc/cni/net.d ${KUBEADM_CONFIG_DIR} ${KUBEADM_STATE_DIR}`,
      ...(opts.purgePackages
        ? [
            'if dpkg -s kubeadm >/dev/null 2>&1; then',
            '  apt-mark unhold kubelet kubeadm kubectl',
            '  DEBIAN_FRONTEND=noninteractive apt-get purge -y kubelet kubeadm kubectl',
            'fi',
          ]
        : []),
    ],
  });
}
