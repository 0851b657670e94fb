/**
 * The etcd release external etcd members install: upstream's own tarball (etcd-io/etcd GitHub
 * releases), pinned by version and SHA-256 per architecture, so every machine runs exactly the
 * bytes that were checked. Debian's and Ubuntu's packages carry etcd 3.4, which is out of support
 * and which kubeadm's preflight (ExternalEtcdVersionCheck) refuses.
 *
 * Checked 2026-12-07: v3.6.14 is the newest 3.6 patch whose published SHA256SUMS could be read
 * (the Go module proxy lists v3.6.15-v3.6.17 too, but their release checksums were not found;
 * bumping needs both sums from that release's SHA256SUMS).
 */

export const ETCD_ARCHES = ['amd64', 'arm64'] as const;
export type EtcdArch = (typeof ETCD_ARCHES)[number];

/** Where a release is downloaded from: `<baseUrl>/<version>/etcd-<version>-linux-<arch>.tar.gz`. */
export interface EtcdReleaseSpec {
  /** GitHub's release downloads by default; a mirror with the same layout otherwise. */
  baseUrl: string;
  /** `v3.6.14`. */
  version: string;
  /** SHA-256 of each architecture's tarball; a machine whose architecture has none refuses to install. */
  sha256: Partial<Record<EtcdArch, string>>;
}

export const ETCD_DEFAULT_BASE_URL = 'https://github.com/etcd-io/etcd/releases/download';

/** The pinned release (from that release's SHA256SUMS). */
export const ETCD_PINNED_RELEASE: EtcdReleaseSpec = {
  baseUrl: ETCD_DEFAULT_BASE_URL,
  version: 'v3.6.14',
  sha256: {
    amd64: 'ffe840ff9295808e88cce2794a18a5ac87f12a5203c8314d0bf6aa119b41bac5',
    arm64: 'fa1b80565ee6fc2df1ae6f57a508b221f3ecc7d591c317c581cd8281b0842b3e',
  },
};

/** Upstream's tarball name, also the file name an air-gapped install expects in the air-gap directory. */
export function etcdTarballName(version: string, arch: EtcdArch): string {
  return `etcd-${version}-linux-${arch}.tar.gz`;
}

/** The release's download URL up to the architecture (scripts append `<arch>.tar.gz` on the machine). */
export function etcdDownloadPrefix(release: Pick<EtcdReleaseSpec, 'baseUrl' | 'version'>): string {
  return `${release.baseUrl.replace(/\/+$/, '')}/${release.version}/etcd-${release.version}-linux-`;
}

/** The release's download URL for one architecture. */
export function etcdDownloadUrl(release: Pick<EtcdReleaseSpec, 'baseUrl' | 'version'>, arch: EtcdArch): string {
  return `${etcdDownloadPrefix(release)}${arch}.tar.gz`;
}

/**
 * The release a cluster uses: the pinned one, with the user's mirror if given. A different version
 * brings its own checksums (validate.ts insists), never the pinned version's.
 */
export function resolveEtcdRelease(input: Partial<EtcdReleaseSpec> | undefined): EtcdReleaseSpec {
  const version = input?.version ?? ETCD_PINNED_RELEASE.version;
  const pinned = version === ETCD_PINNED_RELEASE.version ? ETCD_PINNED_RELEASE.sha256 : {};
  return {
    baseUrl: input?.baseUrl ?? ETCD_DEFAULT_BASE_URL,
    version,
    sha256: { ...pinned, ...input?.sha256 },
  };
}
