/**
 * Validation of `spec.kubeadm.packageRepository` (defaults applied): a mirror of pkgs.k8s.io's per-minor
 * repositories. Its URLs end up in scripts and in every machine's apt sources, so they carry no
 * credentials (apt reads those from /etc/apt/auth.conf.d on the machine).
 */
import { MINOR_PLACEHOLDER, PKGS_K8S_IO } from './package-repository.js';
import { quote } from './quote.js';
import type { ClusterSpec } from './types.js';
import type { Issue } from './validate.js';

const PATH = 'spec.kubeadm.packageRepository';

function urlIssues(field: 'url' | 'keyUrl', value: string): Issue[] {
  const add = (message: string): Issue[] => [{ path: `${PATH}.${field}`, message }];
  let url: URL;
  try {
    url = new URL(value.split(MINOR_PLACEHOLDER).join('1.37'));
  } catch {
    return add(`${quote(value)} is not a URL: use e.g. ${PKGS_K8S_IO[field]}`);
  }
  // Plain http is allowed for internal mirrors: apt checks the repository's signature either way.
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return add(`must be an https:// (or http://) URL, got ${url.protocol}`);
  if (url.username || url.password)
    return add(
      'must not contain a user name or password (it is written to every machine and shown in plans): put them in /etc/apt/auth.conf.d/ on the machines',
    );
  if (url.search || url.hash) return add('must not have a query or fragment');
  if (/\s/.test(value)) return add('must not contain spaces');
  return [];
}

export function validatePackageRepository(spec: ClusterSpec): Issue[] {
  const repo = spec.kubeadm?.packageRepository;
  if (!repo) return [];
  if (spec.type !== 'selfmanaged' || spec.distribution !== 'kubeadm')
    return [
      {
        path: PATH,
        message:
          'applies to self-managed kubeadm clusters only (it is where their kubeadm packages come from): remove it',
      },
    ];
  const urlBad = urlIssues('url', repo.url);
  // A key URL defaulted from a bad URL is the same mistake: named once, at the URL.
  const derived = repo.keyUrl === `${repo.url}Release.key`;
  const issues = [...urlBad, ...(urlBad.length && derived ? [] : urlIssues('keyUrl', repo.keyUrl))];
  if (!repo.url.includes(MINOR_PLACEHOLDER))
    issues.push({
      path: `${PATH}.url`,
      message: `must say where each minor's repository is with ${MINOR_PLACEHOLDER} (an upgrade moves to the next minor's), e.g. https://mirror.example/pkgs.k8s.io/core:/stable:/v${MINOR_PLACEHOLDER}/deb/`,
    });
  return issues;
}
