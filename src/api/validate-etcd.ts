/**
 * Validation of `spec.etcd.release`: where external etcd comes from. Runs on the resolved spec, so a
 * release here already has its defaults (see etcd-release.ts).
 */
import { ETCD_PINNED_RELEASE, type EtcdReleaseSpec } from './etcd-release.js';
import type { Issue } from './validate.js';

const SHA256 = /^[0-9a-f]{64}$/;
const VERSION = /^v3\.(\d+)\.(\d+)$/;

export function validateEtcdRelease(release: EtcdReleaseSpec | undefined, externalEtcd: boolean): Issue[] {
  if (!release) return [];
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ path: `spec.etcd.release${path}`, message });
  if (!externalEtcd) {
    add('', 'applies only to external etcd (self-managed, spec.etcd.count >= 3): remove it');
    return issues;
  }
  let url: URL | undefined;
  try {
    url = new URL(release.baseUrl);
  } catch {
    add('.baseUrl', `"${release.baseUrl}" is not a URL: use e.g. ${ETCD_PINNED_RELEASE.baseUrl}`);
  }
  if (url) {
    // Plain http is allowed for internal mirrors: the pinned SHA-256 is what makes a download trusted.
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      add('.baseUrl', `must be an https:// (or http://) URL, got ${url.protocol}`);
    // A URL ends up in scripts and logs: credentials must not ride in it.
    if (url.username || url.password) add('.baseUrl', 'must not contain a user name or password');
    if (url.search || url.hash)
      add('.baseUrl', 'must not have a query or fragment: the version and file name are appended to it');
  }
  const m = VERSION.exec(release.version);
  if (!m) add('.version', `"${release.version}" is not an etcd release: use e.g. ${ETCD_PINNED_RELEASE.version}`);
  else if (Number(m[1]) < 6)
    add(
      '.version',
      `etcd ${release.version} is too old: use v3.6 or newer (3.4 and 3.5 are out of support; kubeadm refuses external etcd older than 3.5)`,
    );
  for (const [arch, sum] of Object.entries(release.sha256)) {
    if (sum !== undefined && !SHA256.test(sum))
      add(`.sha256.${arch}`, "must be 64 lowercase hex digits (a line of the release's SHA256SUMS)");
  }
  if (m && Object.keys(release.sha256).length === 0) {
    add(
      '.sha256',
      `${release.version} is not the pinned release (${ETCD_PINNED_RELEASE.version}): give the SHA-256 of its tarballs (amd64, arm64) from that release's SHA256SUMS`,
    );
  }
  return issues;
}
