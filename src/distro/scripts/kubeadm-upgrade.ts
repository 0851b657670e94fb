/**
 * kubeadm's own upgrade procedure (kubernetes.io "Upgrading kubeadm clusters"), as scripts for one node:
 * the kubeadm package of the target release, then `kubeadm upgrade apply <v> --yes` on the first control
 * plane or `kubeadm upgrade node` on every other node, then the kubelet and kubectl packages of the same
 * release and a kubelet restart. Before any of it, every node is staged (images imported, packages
 * uploaded) so the control planes never wait for a download and kube-proxy's new image is already on the
 * workers when `upgrade apply` rolls its DaemonSet. Packages come from the minor's pkgs.k8s.io repository
 * or the spec's mirror of it (spec.kubeadm.packageRepository, air-gapped or not) or, air-gapped without
 * one, from the .deb files pkgs.k8s.io publishes, put into spec.airgap.dir.
 */
import { packageRepositoryFor, type PackageRepositorySpec } from '../../api/package-repository.js';
import { artifactRef } from '../pki/names.js';
import { assertName, makeScript, shellQuote } from './common.js';
import { APT_UPDATE_KUBERNETES, kubernetesAptSourceLines } from './kubeadm-apt.js';
import { AIRGAP_DEBS_DIR, AIRGAP_IMAGES_DIR, K8S_PACKAGE_REVISION } from './kubeadm-install.js';
import { installTarget } from './versions.js';
import type { AirgapInput, Script, ScriptFile } from './types.js';

/** The architecture of the packages an air-gapped upgrade uploads (pkgs.k8s.io file names carry it). */
export const AIRGAP_PACKAGE_ARCH = 'amd64';
const PACKAGES = ['kubeadm', 'kubelet', 'kubectl'] as const;
type Package = (typeof PACKAGES)[number];

export interface KubeadmUpgradeInput {
  /** The release to reach: a minor (`1.37`: the repository's newest patch) or a patch (`1.37.2`). */
  version: string;
  airgap?: AirgapInput;
  /** spec.kubelet.allowCgroupV1: kubeadm's SystemVerification preflight refuses cgroup v1. */
  allowCgroupV1?: boolean;
  /** spec.kubeadm.packageRepository: packages from this mirror, even air-gapped. */
  packageRepository?: PackageRepositorySpec;
}

/** Do the packages come as .deb files from spec.airgap.dir (air-gapped, no mirror named)? */
const fromFiles = (input: KubeadmUpgradeInput) => !!input.airgap && !input.packageRepository;

/** pkgs.k8s.io's file name of a package: `kubeadm_1.37.2-1.1_amd64.deb`. */
export function airgapPackageFile(pkg: Package, patch: string): string {
  return `${pkg}_${patch.replace(/^v/, '')}-${K8S_PACKAGE_REVISION}_${AIRGAP_PACKAGE_ARCH}.deb`;
}

/** Air-gapped upgrades name exact files, so they need a patch; the plan refuses a minor before this. */
function airgapPatch(input: KubeadmUpgradeInput): string {
  const t = installTarget('kubeadm', input.version);
  if (!t.pinned) throw new Error(`an air-gapped kubeadm upgrade needs a patch version, not ${input.version}`);
  return t.pinned;
}

/** Upload the images and packages of the target release and import the images (any node, in parallel). */
export function kubeadmUpgradeStageScript(input: KubeadmUpgradeInput): Script {
  const t = installTarget('kubeadm', input.version);
  const files: ScriptFile[] = [];
  const images = (input.airgap?.images ?? []).map((p) => (assertName(p, 'airgap.images[]'), p));
  for (const p of images) files.push({ path: `${AIRGAP_IMAGES_DIR}/${p}`, mode: 0o644, contentRef: artifactRef(p) });
  if (fromFiles(input)) {
    for (const pkg of PACKAGES) {
      const f = airgapPackageFile(pkg, airgapPatch(input));
      files.push({ path: `${AIRGAP_DEBS_DIR}/${f}`, mode: 0o644, contentRef: artifactRef(f) });
    }
  }
  const repo = packageRepositoryFor(t.minor, input.packageRepository);
  const what = [
    ...(images.length ? ['imported images'] : []),
    fromFiles(input) ? 'uploaded packages' : `the ${t.minor} package repository ${repo.url}`,
  ];
  return makeScript({
    name: 'kubeadm-upgrade-stage',
    description: `stage Kubernetes ${t.pinned ?? `${t.minor} (newest patch)`}: ${what.join(', ')}`,
    files,
    body: [
      ...(images.length
        ? [
            `images=(${images.map((p) => shellQuote(`${AIRGAP_IMAGES_DIR}/${p}`)).join(' ')})`,
            'require_file "${images[@]}"',
            'isum=$(sum_files "${images[@]}")',
            'if needs_apply images "$isum"; then',
            '  for image in "${images[@]}"; do ctr -n k8s.io images import "$image"; done',
            '  mark_applied images "$isum"',
            'fi',
          ]
        : []),
      ...(fromFiles(input)
        ? [
            `require_file ${PACKAGES.map((p) => `${AIRGAP_DEBS_DIR}/${airgapPackageFile(p, airgapPatch(input))}`).join(' ')}`,
          ]
        : // The key too: a mirror named since the install signs with its own.
          [...kubernetesAptSourceLines(repo), APT_UPDATE_KUBERNETES]),
      `log "staged Kubernetes ${t.pinned ?? t.minor}"`,
    ],
  });
}

/** Install packages of the wanted release (`$want`, set by the caller's body), unless already there. */
function installPackages(pkgs: readonly Package[], input: KubeadmUpgradeInput, wantExpr: string): string[] {
  const holds = pkgs.join(' ');
  if (fromFiles(input)) {
    const debs = pkgs.map((p) => `${AIRGAP_DEBS_DIR}/${airgapPackageFile(p, airgapPatch(input))}`);
    return [`apt-mark unhold ${holds} >/dev/null 2>&1 || true`, `dpkg -i ${debs.join(' ')}`, `apt-mark hold ${holds}`];
  }
  // `want` empty: the repository's newest patch of the minor (the first control plane decides it).
  return [
    `apt-mark unhold ${holds} >/dev/null 2>&1 || true`,
    `if [ -n "${wantExpr}" ]; then`,
    `  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends --allow-downgrades ${pkgs.map((p) => `${p}="${wantExpr}-${K8S_PACKAGE_REVISION}"`).join(' ')}`,
    'else',
    `  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends ${holds}`,
    'fi',
    `apt-mark hold ${holds}`,
  ];
}

/**
 * The whole upgrade of one node, in kubeadm's order. `first`: `kubeadm upgrade apply` (the first control
 * plane; the cluster's configuration and addons move with it); otherwise `kubeadm upgrade node`. Every
 * part checks before it acts, so a re-run after a crash anywhere continues.
 */
export function kubeadmUpgradeNodeScript(input: KubeadmUpgradeInput & { first: boolean; node: string }): Script {
  const t = installTarget('kubeadm', input.version);
  const ignore = input.allowCgroupV1 ? ' --ignore-preflight-errors=SystemVerification' : '';
  const minorPrefix = shellQuote(`v${t.minor}.`);
  return makeScript({
    name: input.first ? 'kubeadm-upgrade-apply' : 'kubeadm-upgrade-node',
    description: `${input.first ? 'kubeadm upgrade apply' : 'kubeadm upgrade node'} to ${t.pinned ? `v${t.pinned}` : `${t.minor} (newest patch)`} on ${input.node}, then kubelet and kubectl`,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    body: [
      `want=${shellQuote(t.pinned ?? '')}`,
      `in_minor() { case "$1" in ${minorPrefix}*) true ;; *) false ;; esac; }`,
      'kubeadm_v() { kubeadm version -o short 2>/dev/null || true; }',
      // 1. kubeadm of the target release.
      'if { [ -n "$want" ] && [ "$(kubeadm_v)" != "v$want" ]; } || { [ -z "$want" ] && ! in_minor "$(kubeadm_v)"; }; then',
      '  log "installing kubeadm ${want:-(newest patch)}"',
      ...installPackages(['kubeadm'], input, '$want').map((l) => `  ${l}`),
      'fi',
      'v=$(kubeadm_v)',
      `in_minor "$v" || die "kubeadm $v is installed, expected ${t.pinned ? `v${t.pinned}` : `v${t.minor}.x`}"`,
      '[ -z "$want" ] || [ "$v" = "v$want" ] || die "kubeadm $v is installed, expected v$want"',
      // 2. the control plane (or this node's configuration) to that release.
      ...(input.first
        ? [
            "have_cluster=$(kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' | sed -n 's/^kubernetesVersion: //p')",
            'if [ "$have_cluster" = "$v" ] && grep -q "kube-apiserver:$v\\$" /etc/kubernetes/manifests/kube-apiserver.yaml; then',
            '  log "the control plane already runs $v (kubeadm upgrade apply done)"',
            'else',
            '  log "kubeadm upgrade apply $v (from $have_cluster)"',
            `  kubeadm upgrade apply "$v" --yes${ignore}`,
            'fi',
          ]
        : ['log "kubeadm upgrade node ($v)"', `kubeadm upgrade node${ignore}`]),
      // 3. kubelet and kubectl of the same release, and the kubelet restarted on them.
      'if [ "$(kubelet --version 2>/dev/null)" != "Kubernetes $v" ] || [ "$(kubectl version --client 2>/dev/null | sed -n "s/^Client Version: //p")" != "$v" ]; then',
      '  log "installing kubelet and kubectl $v"',
      '  want=${v#v}',
      ...installPackages(['kubelet', 'kubectl'], input, '$want').map((l) => `  ${l}`),
      'fi',
      '[ "$(kubelet --version)" = "Kubernetes $v" ] || die "kubelet $(kubelet --version) is installed, expected $v"',
      'systemctl daemon-reload',
      'systemctl restart kubelet',
      'wait_for 120 2 "the kubelet to start" systemctl is-active --quiet kubelet',
      'log "kubelet $v restarted"',
    ],
  });
}
