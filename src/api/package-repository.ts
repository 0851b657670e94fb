/**
 * Where kubeadm, kubelet and kubectl packages come from: pkgs.k8s.io's per-minor Debian repository by
 * default, or a mirror of it (Artifactory, Nexus, aptly, a caching proxy) that the machines can reach,
 * which many networks require. Each minor has its own repository (pkgs.k8s.io's hold one minor's patches
 * each), so a URL names where a minor's is with `{minor}`. Both repositories are flat (`deb <url> /`)
 * and signed: apt checks the mirror's InRelease against the key at `keyUrl`.
 */

/** `spec.kubeadm.packageRepository`, defaults applied. */
export interface PackageRepositorySpec {
  /** The repository of one minor, `{minor}` standing for it: `https://mirror/core:/stable:/v{minor}/deb/`. */
  url: string;
  /** The repository's signing key (ASCII-armoured or binary OpenPGP); may use `{minor}` too. */
  keyUrl: string;
}

export const MINOR_PLACEHOLDER = '{minor}';

/** pkgs.k8s.io's layout, which a plain mirror of it keeps under its own base URL. */
export const PKGS_K8S_IO: PackageRepositorySpec = {
  url: 'https://pkgs.k8s.io/core:/stable:/v{minor}/deb/',
  keyUrl: 'https://pkgs.k8s.io/core:/stable:/v{minor}/deb/Release.key',
};

/** A repository URL always ends in `/`: apt appends `InRelease`, `Packages` to it. */
const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/** Defaults for what the user gave: the key beside the repository's Release file, as on pkgs.k8s.io. */
export function resolvePackageRepository(input: { url: string; keyUrl?: string }): PackageRepositorySpec {
  const url = withSlash(input.url);
  return { url, keyUrl: input.keyUrl ?? `${url}Release.key` };
}

/** The repository and key of one minor (`1.37`): pkgs.k8s.io's unless the spec names a mirror. */
export function packageRepositoryFor(minor: string, spec?: PackageRepositorySpec): PackageRepositorySpec {
  const r = spec ?? PKGS_K8S_IO;
  const at = (u: string) => u.split(MINOR_PLACEHOLDER).join(minor);
  return { url: at(r.url), keyUrl: at(r.keyUrl) };
}
