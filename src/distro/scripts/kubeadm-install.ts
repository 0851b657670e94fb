/**
 * Everything a kubeadm node needs before `kubeadm init/join`: kernel prerequisites (best effort where
 * the kernel is not ours), containerd with the systemd cgroup driver, and kubeadm/kubelet/kubectl at
 * the newest patch of the requested minor (its pkgs.k8s.io repository holds only that minor) or the
 * pinned patch, from pkgs.k8s.io (or the spec's mirror of it) or, air-gapped, from uploaded .deb files,
 * preinstalled packages, or the spec's mirror when the cluster's network has one.
 */
import { packageRepositoryFor, type PackageRepositorySpec } from '../../api/package-repository.js';
import { artifactRef } from '../pki/names.js';
import { AIRGAP_DIR, assertName, heredoc, makeScript, shellQuote } from './common.js';
import { containerdConfigLines } from './containerd.js';
import { APT_UPDATE_KUBERNETES, kubernetesAptSourceLines } from './kubeadm-apt.js';
import { installTarget, VERSION_LINE } from './versions.js';
import type { AirgapInput, Script, ScriptFile } from './types.js';

/** Debian revision of the pkgs.k8s.io packages. */
export const K8S_PACKAGE_REVISION = '1.1';
export const AIRGAP_DEBS_DIR = `${AIRGAP_DIR}/debs`;
export const AIRGAP_IMAGES_DIR = `${AIRGAP_DIR}/images`;

/**
 * The pause image each minor's kubeadm expects (`PauseVersion` in cmd/kubeadm/app/constants), so
 * containerd's sandbox image matches what kubeadm pre-pulls.
 */
const PAUSE_IMAGE: Record<string, string> = { '1.35': '3.10.1', '1.36': '3.10.2', '1.37': '3.10.2' };
const NEWEST_PAUSE = '3.10.2';

export interface KubeadmInstallInput {
  kubernetesVersion: string;
  airgap?: AirgapInput;
  /** spec.kubeadm.packageRepository: a mirror of pkgs.k8s.io (used air-gapped too). */
  packageRepository?: PackageRepositorySpec;
}

const SYSCTLS = [
  'net.bridge.bridge-nf-call-iptables=1',
  'net.bridge.bridge-nf-call-ip6tables=1',
  'net.ipv4.ip_forward=1',
];

const PREREQUISITES = [
  '# Kernel prerequisites: required on a real machine, not always permitted (containers): warn and go on.',
  "printf '%s\\n' overlay br_netfilter | write_file /etc/modules-load.d/ksctl-kubernetes.conf 0644 root:root",
  'for m in overlay br_netfilter; do',
  '  if [ ! -d "/sys/module/$m" ] && ! modprobe "$m" 2>/dev/null; then warn "cannot load kernel module $m; continuing"; fi',
  'done',
  `printf '%s\\n' ${SYSCTLS.join(' ')} | write_file /etc/sysctl.d/99-ksctl-kubernetes.conf 0644 root:root`,
  `for kv in ${SYSCTLS.join(' ')}; do`,
  '  key=${kv%%=*}',
  '  want=${kv#*=}',
  '  have=$(sysctl -n "$key" 2>/dev/null || true) # absent key: handled below',
  '  if [ "$have" != "$want" ] && ! sysctl -w "$kv" >/dev/null 2>&1; then warn "cannot set $kv; continuing"; fi',
  'done',
  '# The kubelet refuses to run with swap on.',
  'if [ -n "$(swapon --noheadings 2>/dev/null || true)" ] && ! swapoff -a; then warn "cannot disable swap; continuing"; fi',
  "if grep -Eq '^[^#].*[[:space:]]swap[[:space:]]' /etc/fstab; then",
  "  sed -i.ksctl-bak -E 's/^([^#].*[[:space:]]swap[[:space:]].*)$/# \\1/' /etc/fstab",
  'fi',
];

function airgapFiles(airgap: AirgapInput): { files: ScriptFile[]; debs: string[]; images: string[] } {
  const debs = (airgap.packages ?? []).map((p) => (assertName(p, 'airgap.packages[]'), `${AIRGAP_DEBS_DIR}/${p}`));
  const images = (airgap.images ?? []).map((p) => (assertName(p, 'airgap.images[]'), `${AIRGAP_IMAGES_DIR}/${p}`));
  const files = [
    ...(airgap.packages ?? []).map((p, i) => ({ path: debs[i] as string, mode: 0o644, contentRef: artifactRef(p) })),
    ...(airgap.images ?? []).map((p, i) => ({ path: images[i] as string, mode: 0o644, contentRef: artifactRef(p) })),
  ];
  return { files, debs, images };
}

/** Prepare a node for kubeadm (run on every control plane and worker before init/join). */
export function kubeadmInstallScript(input: KubeadmInstallInput): Script {
  const target = installTarget('kubeadm', input.kubernetesVersion);
  const minor = target.minor;
  // A minor: no version on apt's command line, so its repository's newest patch; pinned: exactly it.
  const pkgs = ['kubelet', 'kubeadm', 'kubectl']
    .map((p) => (target.pinned ? `${p}=${target.pinned}-${K8S_PACKAGE_REVISION}` : p))
    .join(' ');
  const pause = `registry.k8s.io/pause:${PAUSE_IMAGE[minor] ?? NEWEST_PAUSE}`;
  const repo = packageRepositoryFor(minor, input.packageRepository);
  const wanted = target.pinned ?? `${minor} (newest patch)`;
  const ag = input.airgap ? airgapFiles(input.airgap) : undefined;
  // Air-gapped: the .debs must be uploaded (or the packages preinstalled, which have_version accepts).
  const preInstall = ag?.debs.length
    ? [`debs=(${ag.debs.map(shellQuote).join(' ')})`, 'require_file "${debs[@]}"']
    : [];
  const fromRepository = [
    ...kubernetesAptSourceLines(repo).map((l) => `  ${l}`),
    '  if dpkg -s kubeadm >/dev/null 2>&1; then apt-mark unhold kubelet kubeadm kubectl; fi',
  ];
  const installSteps =
    ag && !input.packageRepository
      ? ag.debs.length
        ? ['  dpkg -i "${debs[@]}"']
        : [
            '  die "air-gapped: upload the kubeadm, kubelet, kubectl, cri-tools, kubernetes-cni and containerd .deb files, or name a mirror of pkgs.k8s.io in spec.kubeadm.packageRepository"',
          ]
      : ag
        ? // Air-gapped with a mirror inside the network: only the mirror is asked (containerd, curl and
          // gpg must be on the machine already, as for any air-gapped install).
          [
            '  for c in curl gpg containerd; do command -v "$c" >/dev/null 2>&1 || die "air-gapped: $c is not installed on this machine; install it first"; done',
            ...fromRepository,
            `  ${APT_UPDATE_KUBERNETES}`,
            `  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends --allow-change-held-packages ${pkgs}`,
          ]
        : [
            '  apt_install ca-certificates curl gpg containerd',
            ...fromRepository,
            '  KSCTL_APT_UPDATED="" # the new repository needs a fresh index',
            `  apt_install --allow-change-held-packages ${pkgs}`,
          ];
  return makeScript({
    name: 'kubeadm-install',
    description: `kubeadm, kubelet, kubectl ${wanted} and containerd`,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    files: ag?.files ?? [],
    body: [
      ...PREREQUISITES,
      `wanted=${shellQuote(wanted)}`,
      // kubeadm and the kubelet of the same release, of the minor asked for (or the pinned patch).
      'have_version() {',
      '  command -v containerd >/dev/null 2>&1 && command -v kubectl >/dev/null 2>&1 || return 1',
      '  v=$(kubeadm version -o short 2>/dev/null) || return 1',
      '  [ "$(kubelet --version 2>/dev/null)" = "Kubernetes $v" ] || return 1',
      target.pinned
        ? `  [ "$v" = ${shellQuote(`v${target.pinned}`)} ]`
        : `  case "$v" in ${shellQuote(`v${minor}.`)}*) true ;; *) false ;; esac`,
      '}',
      ...preInstall,
      'if ! have_version; then',
      '  log "installing kubeadm, kubelet and kubectl $wanted"',
      ...installSteps,
      '  apt-mark hold kubelet kubeadm kubectl',
      'fi',
      'have_version || die "kubeadm/kubelet $wanted not installed (kubeadm $(kubeadm version -o short 2>/dev/null || echo none), $(kubelet --version 2>/dev/null || echo no kubelet))"',
      '# containerd: systemd cgroups (the kubelet default) and the pause image this kubeadm expects.',
      ...containerdConfigLines(pause),
      `write_file /etc/crictl.yaml 0644 root:root ${heredoc('runtime-endpoint: unix:///run/containerd/containerd.sock\nimage-endpoint: unix:///run/containerd/containerd.sock\n')}`,
      'sum=$(sum_files /etc/containerd/config.toml)',
      'if needs_apply containerd "$sum" || ! systemctl is-active --quiet containerd; then systemctl restart containerd; fi',
      // The CRI answers only once containerd has loaded its plugins (systemd's Type=notify unit waits for
      // that; an init that does not would let the image import or kubeadm's preflight find "unknown
      // service runtime.v1.RuntimeService").
      // Up to 5 minutes: on a loaded machine containerd took over a minute to load the CRI plugin.
      'cri_deadline=$(( $(date +%s) + 300 ))',
      // grep reads all of ctr's output (not -q): under pipefail an early exit would SIGPIPE ctr and fail.
      'cri_ok() { ctr plugins ls 2>/dev/null | grep -E "^io\\.containerd\\.grpc\\.v1[[:space:]]+cri[[:space:]].*[[:space:]]ok[[:space:]]*$" >/dev/null; }',
      'until cri_ok || [ "$(date +%s)" -ge "$cri_deadline" ]; do sleep 2; done',
      'cri_ok || die "containerd\'s CRI plugin is not running: $(ctr plugins ls 2>&1 | grep -E "cri|error" | tr -s " " | sed -n 1,5p)"',
      'systemctl enable containerd kubelet',
      'mark_applied containerd "$sum"',
      ...(ag && ag.images.length
        ? [
            `images=(${ag.images.map(shellQuote).join(' ')})`,
            'require_file "${images[@]}"',
            'isum=$(sum_files "${images[@]}")',
            'if needs_apply images "$isum"; then',
            '  for image in "${images[@]}"; do ctr -n k8s.io images import "$image"; done',
            '  mark_applied images "$isum"',
            'fi',
          ]
        : []),
    ],
  });
}

/** Prints the versions installed on this machine: the kubelet's (Kubernetes) and kubeadm's. */
export function kubeadmVersionScript(): Script {
  return makeScript({
    name: 'kubeadm-version',
    description: 'read the installed kubeadm and kubelet versions',
    body: [
      'd=$(kubeadm version -o short)',
      "k=$(kubelet --version | awk '{ print $2 }')",
      'case "$d$k" in v*v*) ;; *) die "kubeadm/kubelet printed no version" ;; esac',
      `echo "${VERSION_LINE} distribution $d"`,
      `echo "${VERSION_LINE} kubernetes $k"`,
    ],
  });
}
