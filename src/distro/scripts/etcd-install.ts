/**
 * Installing etcd on a member: upstream's release tarball, downloaded (from GitHub or the spec's
 * mirror) or uploaded (air-gapped), its SHA-256 checked against the pinned one before anything is
 * unpacked, then etcd, etcdctl and etcdutl placed in /usr/local/bin. Never the distribution's
 * package: Debian and Ubuntu ship etcd 3.4.
 */
import { ETCD_ARCHES, etcdDownloadPrefix, etcdTarballName, type EtcdReleaseSpec } from '../../api/etcd-release.js';
import { AIRGAP_DIR, HOST_STATE_DIR, shellQuote } from './common.js';

export const ETCD_BIN_DIR = '/usr/local/bin';
export const ETCD_BIN = `${ETCD_BIN_DIR}/etcd`;
export const ETCDCTL_BIN = `${ETCD_BIN_DIR}/etcdctl`;
export const ETCDUTL_BIN = `${ETCD_BIN_DIR}/etcdutl`;
/** Air-gapped installs support the architecture whose tarball is uploaded. */
export const ETCD_AIRGAP_ARCH = 'amd64';

/** The air-gap artifact for a release (upstream's own file name). */
export const etcdAirgapTarball = (release: Pick<EtcdReleaseSpec, 'version'>): string =>
  etcdTarballName(release.version, ETCD_AIRGAP_ARCH);

/**
 * Bash lines that leave the release's binaries in /usr/local/bin unless they already report its
 * version. `airgap`: the tarball was uploaded to the air-gap directory instead of downloaded.
 */
export function etcdInstallLines(release: EtcdReleaseSpec, airgap: boolean): string[] {
  const want = release.version.replace(/^v/, '');
  const sums = ETCD_ARCHES.map((a) => `  ${a}) want_sha=${shellQuote(release.sha256[a] ?? '')} ;;`);
  const fetch = airgap
    ? [
        `  if [ "$arch" != ${ETCD_AIRGAP_ARCH} ]; then die "air-gapped etcd is installed from the uploaded linux-${ETCD_AIRGAP_ARCH} tarball; this machine is linux-$arch"; fi`,
        `  tarball=${AIRGAP_DIR}/${etcdAirgapTarball(release)}`,
        '  require_file "$tarball"',
      ]
    : [
        `  url=${shellQuote(etcdDownloadPrefix(release))}"\${arch}.tar.gz"`,
        `  tarball=${HOST_STATE_DIR}/downloads/etcd-${release.version}-linux-\${arch}.tar.gz`,
        `  ensure_dir ${HOST_STATE_DIR}/downloads 0755`,
        '  log "downloading etcd from $url"',
        '  if ! curl -fsSL --retry 5 --retry-connrefused -o "$tarball.ksctl-tmp" "$url"; then die "could not download etcd from $url (set spec.etcd.release.baseUrl to a reachable mirror)"; fi',
        '  mv -f "$tarball.ksctl-tmp" "$tarball"',
      ];
  const line = shellQuote(`etcd Version: ${want}`);
  return [
    // The whole output is read before matching: `etcd --version | grep -q` can fail under pipefail
    // when grep exits first and etcd gets SIGPIPE.
    'etcd_version_is() {',
    '  local out',
    '  out=$("$1" --version 2>/dev/null) || return 1',
    `  [[ $'\\n'"$out"$'\\n' == *$'\\n'${line}$'\\n'* ]]`,
    '}',
    `if ! { [ -x ${ETCDCTL_BIN} ] && etcd_version_is ${ETCD_BIN}; }; then`,
    '  arch=$(uname -m)',
    '  case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac',
    '  want_sha=""',
    '  case "$arch" in',
    ...sums,
    '  esac',
    `  if [ -z "$want_sha" ]; then die "no SHA-256 for etcd ${release.version} linux-$arch: add it as spec.etcd.release.sha256.$arch"; fi`,
    ...fetch,
    '  got_sha=$(sha256sum "$tarball" | cut -d" " -f1)',
    '  if [ "$got_sha" != "$want_sha" ]; then',
    ...(airgap ? [] : ['    rm -f "$tarball"']),
    `    die "etcd ${release.version} linux-$arch tarball $tarball has SHA-256 $got_sha, expected $want_sha (spec.etcd.release): refusing to install it"`,
    '  fi',
    `  extract=${HOST_STATE_DIR}/etcd-extract`,
    '  rm -rf "$extract"',
    '  mkdir -p "$extract"',
    '  tar -xzf "$tarball" -C "$extract" --strip-components=1',
    '  for bin in etcd etcdctl etcdutl; do',
    '    require_file "$extract/$bin"',
    `    install -m 0755 "$extract/$bin" "${ETCD_BIN_DIR}/\${bin}.ksctl-tmp"`,
    `    mv -f "${ETCD_BIN_DIR}/\${bin}.ksctl-tmp" "${ETCD_BIN_DIR}/\${bin}"`,
    '  done',
    '  rm -rf "$extract"',
    `  log "installed etcd ${release.version} (linux-$arch, SHA-256 verified)"`,
    'fi',
    `if ! etcd_version_is ${ETCD_BIN}; then die "${ETCD_BIN} is not etcd ${release.version}"; fi`,
  ];
}
