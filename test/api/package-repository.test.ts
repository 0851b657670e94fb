/**
 * spec.kubeadm.packageRepository: a mirror of pkgs.k8s.io. Defaults, validation (the path named, nothing
 * else touched), and what the install and upgrade scripts do with it. The real apt run against a signed
 * mirror is test/e2e/ssh-upgrade-kubeadm-mirror.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import type { SpecInput } from '../../src/api/input.js';
import { packageRepositoryFor, PKGS_K8S_IO } from '../../src/api/package-repository.js';
import { validateSpec } from '../../src/api/validate.js';
import { APT_UPDATE_KUBERNETES } from '../../src/distro/scripts/kubeadm-apt.js';
import { kubeadmInstallScript } from '../../src/distro/scripts/kubeadm-install.js';
import { kubeadmUpgradeNodeScript, kubeadmUpgradeStageScript } from '../../src/distro/scripts/kubeadm-upgrade.js';
import { checkUpgradeRequest } from '../../src/managers/selfmanaged/upgrade.js';
import type { ClusterState } from '../../src/state/types.js';

const base: SpecInput = {
  name: 'lab',
  provider: 'aws',
  type: 'selfmanaged',
  region: 'us-east-1',
  distribution: 'kubeadm',
};
const MIRROR = 'https://nexus.corp.example/repository/pkgs-k8s/core:/stable:/v{minor}/deb';
const repoOf = (repo: { url: string; keyUrl?: string }, more: SpecInput = {}) =>
  applyDefaults({ ...base, ...more, kubeadm: { packageRepository: repo } });
const issuesFor = (repo: { url: string; keyUrl?: string }, more: SpecInput = {}) =>
  validateSpec(repoOf(repo, more)).filter((i) => i.path.startsWith('spec.kubeadm'));

describe('spec.kubeadm.packageRepository', () => {
  it("absent: pkgs.k8s.io's per-minor repository and its Release.key", () => {
    expect(applyDefaults(base).kubeadm).toBeUndefined();
    expect(packageRepositoryFor('1.37')).toEqual({
      url: 'https://pkgs.k8s.io/core:/stable:/v1.37/deb/',
      keyUrl: 'https://pkgs.k8s.io/core:/stable:/v1.37/deb/Release.key',
    });
  });

  it('a mirror: its URL ends in "/", its key defaults to the Release.key beside it, {minor} filled per minor', () => {
    const spec = repoOf({ url: MIRROR });
    expect(spec.kubeadm?.packageRepository).toEqual({ url: `${MIRROR}/`, keyUrl: `${MIRROR}/Release.key` });
    expect(validateSpec(spec)).toEqual([]);
    expect(packageRepositoryFor('1.36', spec.kubeadm!.packageRepository)).toEqual({
      url: 'https://nexus.corp.example/repository/pkgs-k8s/core:/stable:/v1.36/deb/',
      keyUrl: 'https://nexus.corp.example/repository/pkgs-k8s/core:/stable:/v1.36/deb/Release.key',
    });
    const own = repoOf({ url: 'http://aptly.lan/k8s-{minor}/', keyUrl: 'http://aptly.lan/aptly.asc' });
    expect(validateSpec(own)).toEqual([]);
    expect(packageRepositoryFor('1.37', own.kubeadm!.packageRepository).keyUrl).toBe('http://aptly.lan/aptly.asc');
  });

  it.each([
    ['not a URL', { url: 'nexus/{minor}' }, '.url', /is not a URL: use e\.g\. https:\/\/pkgs\.k8s\.io/],
    ['another scheme', { url: 'ftp://mirror/v{minor}/' }, '.url', /https:\/\/ \(or http:\/\/\) URL, got ftp:/],
    [
      'credentials in the URL',
      { url: 'https://bot:s3cret@nexus/v{minor}/' },
      '.url',
      /must not contain a user name or password.*auth\.conf\.d/,
    ],
    ['a query', { url: 'https://nexus/v{minor}/?token=x' }, '.url', /query or fragment/],
    ['no {minor}', { url: 'https://nexus/k8s/' }, '.url', /with \{minor\}.*next minor/],
    ['a bad key URL', { url: MIRROR, keyUrl: 'file:///etc/key' }, '.keyUrl', /got file:/],
  ])('refuses %s, naming the field', (_what, repo, field, message) => {
    const issues = issuesFor(repo);
    expect(issues.map((i) => i.path)).toEqual([`spec.kubeadm.packageRepository${field}`]);
    expect(issues[0]!.message).toMatch(message);
    // The refused value is never echoed with its credentials.
    expect(JSON.stringify(issues)).not.toContain('s3cret');
  });

  it('refuses it for k3s and managed clusters', () => {
    for (const more of [{ distribution: 'k3s' }, { type: 'managed' }] as SpecInput[])
      expect(issuesFor({ url: MIRROR }, more)).toEqual([
        expect.objectContaining({ path: 'spec.kubeadm.packageRepository', message: expect.stringMatching(/kubeadm/) }),
      ]);
  });
});

describe('the kubeadm scripts with a mirror', () => {
  const mirror = { url: `${MIRROR}/`, keyUrl: 'https://nexus.corp.example/keys/k8s.asc' };
  const at = (minor: string) => `https://nexus.corp.example/repository/pkgs-k8s/core:/stable:/v${minor}/deb/`;

  it('install, online: the mirror and its key instead of pkgs.k8s.io', () => {
    const s = kubeadmInstallScript({ kubernetesVersion: '1.37', packageRepository: mirror });
    expect(s.body).not.toContain('pkgs.k8s.io');
    expect(s.body).toContain(`deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ${at('1.37')} /`);
    expect(s.body).toContain('curl -fsSL --retry 5 --retry-connrefused https://nexus.corp.example/keys/k8s.asc)');
    expect(s.body).toContain('apt_install ca-certificates curl gpg containerd');
  });

  it('install, air-gapped with a mirror: only the mirror is asked (its source alone refreshed), nothing from the distribution', () => {
    const s = kubeadmInstallScript({
      kubernetesVersion: '1.36',
      airgap: { images: ['a.tar'] },
      packageRepository: mirror,
    });
    expect(s.body).not.toContain('apt_install');
    expect(s.body).toContain(APT_UPDATE_KUBERNETES);
    expect(APT_UPDATE_KUBERNETES).toContain(
      '-o Dir::Etc::sourcelist=sources.list.d/kubernetes.list -o Dir::Etc::sourceparts=-',
    );
    expect(s.body).toContain(
      'install -y -q --no-install-recommends --allow-change-held-packages kubelet kubeadm kubectl',
    );
    expect(s.body).toContain('die "air-gapped: $c is not installed on this machine; install it first"');
  });

  it('upgrade, air-gapped with a mirror: images uploaded, packages through apt from the next minor (a minor allowed)', () => {
    const input = { version: '1.37', airgap: { images: ['a.tar'] }, packageRepository: mirror };
    const stage = kubeadmUpgradeStageScript(input);
    expect(stage.files?.map((f) => f.path)).toEqual(['/var/lib/ksctl/airgap/images/a.tar']);
    expect(stage.body).toContain(`${at('1.37')} /`);
    expect(stage.body).toContain(APT_UPDATE_KUBERNETES);
    const node = kubeadmUpgradeNodeScript({ ...input, first: false, node: 'cp-1' });
    expect(node.body).not.toContain('dpkg -i');
    expect(node.body).toContain('install -y -q --no-install-recommends kubeadm');
    expect(node.body).toContain('kubeadm upgrade node');
  });

  it('upgrade, online without a mirror: pkgs.k8s.io of the next minor, its key refreshed', () => {
    const stage = kubeadmUpgradeStageScript({ version: '1.37.2' });
    expect(stage.body).toContain(`${PKGS_K8S_IO.url.replace('{minor}', '1.37')} /`);
    expect(stage.body).toContain('--retry-connrefused https://pkgs.k8s.io/core:/stable:/v1.37/deb/Release.key)');
  });
});

describe('upgrade refusals with a mirror', () => {
  const stateOf = (more: SpecInput) =>
    ({
      spec: applyDefaults({ ...base, provider: 'ssh', region: 'lab', airgap: { enabled: true, dir: '/a' }, ...more }),
      versions: { kubernetes: 'v1.36.3' },
      machines: {},
      id: { provider: 'ssh', region: 'lab', name: 'lab' },
    }) as unknown as ClusterState;
  const req = { to: '1.37', drain: {}, backup: false } as Parameters<typeof checkUpgradeRequest>[1];

  it('air-gapped from .deb files: a minor is refused (the files name a patch); with a mirror it is taken', () => {
    expect(() => checkUpgradeRequest(stateOf({}), req)).toThrow(/--k8s-version: an air-gapped kubeadm cluster/);
    expect(() => checkUpgradeRequest(stateOf({ kubeadm: { packageRepository: { url: MIRROR } } }), req)).not.toThrow();
  });
});
