import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InputError } from '../../../src/errors.js';
import {
  k3sAgentJoinScript,
  k3sCaHashScript,
  k3sConfig,
  k3sServerInitScript,
  k3sServerJoinScript,
  k3sUninstallScript,
  installTarget,
  k3sVersionScript,
} from '../../../src/distro/scripts/index.js';
import { ETCD, K3S_CA_HASH, LB } from './matrix.js';

const base = {
  cluster: 'demo',
  kubernetesVersion: '1.37',
  node: { name: 'cp-0', address: '10.0.2.10' },
  providerId: 'ksctl://demo/cp-0',
  loadBalancer: LB,
};

describe('k3s config.yaml', () => {
  it('first server, embedded etcd: cluster-init, SANs for the LB, node identity, token by file', () => {
    expect(parse(k3sConfig('server-init', base))).toEqual({
      'node-name': 'cp-0',
      'node-ip': '10.0.2.10',
      'token-file': '/etc/rancher/k3s/ksctl-token',
      'kubelet-arg': ['provider-id=ksctl://demo/cp-0'],
      'tls-san': ['10.0.0.5', '203.0.113.5'],
      'write-kubeconfig-mode': '0600',
      'cluster-init': true,
    });
  });

  it('joining server, embedded etcd: joins through the LB', () => {
    const cfg = parse(k3sConfig('server-join', { ...base, node: { name: 'cp-1', address: '10.0.2.11' } }));
    expect(cfg.server).toBe('https://10.0.0.5:6443');
    expect(cfg['cluster-init']).toBeUndefined();
  });

  it.each(['server-init', 'server-join'] as const)('%s, external etcd: datastore endpoint and TLS files', (role) => {
    const cfg = parse(k3sConfig(role, { ...base, etcd: ETCD }));
    expect(cfg['datastore-endpoint']).toBe('https://10.0.1.10:2379,https://10.0.1.11:2379,https://10.0.1.12:2379');
    expect(cfg['datastore-cafile']).toBe('/etc/k3s/etcd/ca.crt');
    expect(cfg['datastore-certfile']).toBe('/etc/k3s/etcd/client.crt');
    expect(cfg['datastore-keyfile']).toBe('/etc/k3s/etcd/client.key');
    expect(cfg['cluster-init']).toBeUndefined();
    expect(cfg.server).toBeUndefined();
  });

  it('agent: server URL is the LB, no server-only keys', () => {
    const cfg = parse(
      k3sConfig('agent', {
        ...base,
        node: { name: 'wp-0', address: '10.0.3.10' },
        providerId: 'gce://p/us-central1-a/wp-0',
        etcd: ETCD,
      }),
    );
    expect(cfg).toEqual({
      server: 'https://10.0.0.5:6443',
      'node-name': 'wp-0',
      'node-ip': '10.0.3.10',
      'token-file': '/etc/rancher/k3s/ksctl-token',
      'kubelet-arg': ['provider-id=gce://p/us-central1-a/wp-0'],
    });
  });

  it.each(['server-init', 'server-join', 'agent'] as const)(
    '%s with the cgroup v1 consent: the kubelet flag fail-cgroupv1=false',
    (role) => {
      const cfg = parse(k3sConfig(role, { ...base, kubelet: { allowCgroupV1: true } }));
      expect(cfg['kubelet-arg']).toEqual(['provider-id=ksctl://demo/cp-0', 'fail-cgroupv1=false']);
    },
  );

  it('rejects a provider ID that is not one', () => {
    expect(() => k3sConfig('agent', { ...base, providerId: 'cp 0' })).toThrow(/providerId/);
  });
});

describe('k3s scripts', () => {
  it('a minor installs the newest patch of its k3s channel (nothing pinned)', () => {
    const s = k3sServerInitScript(base);
    expect(s.body).toContain(
      'curl -sfL --retry 5 --retry-connrefused -o /var/lib/ksctl/k3s/install.sh.ksctl-tmp https://get.k3s.io',
    );
    expect(s.body).toContain(
      'INSTALL_K3S_CHANNEL=v1.37 INSTALL_K3S_CHANNEL_URL=https://update.k3s.io/v1-release/channels INSTALL_K3S_EXEC=server',
    );
    expect(s.body).not.toContain('INSTALL_K3S_VERSION');
    // Any v1.37 patch already running is kept; another minor is not.
    expect(s.body).toContain('installed_ok() { case "$(installed_version)" in v1.37.*) true ;; *) false ;; esac; }');
    expect(s.body).toContain('env -u K3S_TOKEN');
    expect(s.secretEnv).toEqual(['K3S_TOKEN']);
  });

  it('a full version pins that release and the installer of its tag', () => {
    const s = k3sServerInitScript({ ...base, kubernetesVersion: '1.36.5' });
    expect(s.body).toContain('https://raw.githubusercontent.com/k3s-io/k3s/v1.36.5%2Bk3s1/install.sh');
    expect(s.body).toContain('INSTALL_K3S_VERSION=v1.36.5+k3s1 INSTALL_K3S_EXEC=server');
    expect(s.body).toContain('installed_ok() { [ "$(installed_version)" = v1.36.5+k3s1 ]; }');
    expect(s.body).not.toContain('INSTALL_K3S_CHANNEL');
  });

  it('the version read-back prints what the k3s binary reports', () => {
    const body = k3sVersionScript().body;
    expect(body).toContain("v=$(/usr/local/bin/k3s --version | awk 'NR == 1 { print $3 }')");
    expect(body).toContain('echo "kubernetes-version distribution $v"');
    expect(body).toContain('echo "kubernetes-version kubernetes ${v%%+*}"');
  });

  it('external etcd: the executor uploads the client certs', () => {
    const s = k3sServerJoinScript({ ...base, etcd: ETCD });
    expect(s.files?.map((f) => f.contentRef)).toEqual([
      'secret:etcd-ca.crt',
      'secret:etcd-apiserver-client.crt',
      'secret:etcd-apiserver-client.key',
    ]);
  });

  it('air-gapped: binary, installer and images are uploads; nothing is downloaded', () => {
    const s = k3sAgentJoinScript({ ...base, airgap: { images: ['k3s-airgap-images-amd64.tar.zst'] } });
    expect(s.files).toEqual([
      { path: '/usr/local/bin/k3s', mode: 0o755, contentRef: 'artifact:k3s' },
      { path: '/var/lib/ksctl/k3s/install.sh', mode: 0o755, contentRef: 'artifact:k3s-install.sh' },
      {
        path: '/var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar.zst',
        mode: 0o644,
        contentRef: 'artifact:k3s-airgap-images-amd64.tar.zst',
      },
    ]);
    expect(s.body).not.toContain('curl');
    expect(s.body).toContain('INSTALL_K3S_SKIP_DOWNLOAD=true');
    expect(s.body).toContain('INSTALL_K3S_EXEC=agent');
    expect(s.body).toContain('systemctl is-active --quiet k3s-agent');
  });

  it('joins with a CA hash write the full K10 token (the hash pins the CA; the password stays in the env)', () => {
    for (const make of [k3sServerJoinScript, k3sAgentJoinScript]) {
      const body = make({ ...base, caHash: K3S_CA_HASH }).body;
      expect(body).toContain(
        `printf 'K10${K3S_CA_HASH}::server:%s\\n' "$K3S_TOKEN" | write_file /etc/rancher/k3s/ksctl-token 0600 root:root`,
      );
      expect(make(base).body).toContain(`printf '%s\\n' "$K3S_TOKEN" | write_file /etc/rancher/k3s/ksctl-token`);
    }
  });

  it.each(['abc', 'AB'.repeat(32), `${'ab'.repeat(32)}'; rm -rf /`])('rejects CA hash %j', (caHash) => {
    expect(() => k3sAgentJoinScript({ ...base, caHash })).toThrow(InputError);
  });

  it('the CA hash script prints only the hash from the server token', () => {
    const body = k3sCaHashScript().body;
    expect(body).toContain("sed -n 's/^K10\\([0-9a-f]\\{64\\}\\)::.*$/\\1/p' /var/lib/rancher/k3s/server/token");
    expect(body).toContain('echo "ca-hash $hash"');
  });

  it('uninstall runs whichever k3s uninstall scripts exist', () => {
    expect(k3sUninstallScript().body).toContain('for s in k3s-uninstall.sh k3s-agent-uninstall.sh; do');
  });

  it.each([
    ['1.37', { minor: '1.37' }],
    ['v1.36', { minor: '1.36' }],
    ['1.35.10', { minor: '1.35', pinned: 'v1.35.10+k3s1' }],
    ['v1.36.4+k3s2', { minor: '1.36', pinned: 'v1.36.4+k3s2' }],
  ])('%s installs %j', (req, want) => {
    expect(installTarget('k3s', req)).toEqual(want);
  });

  it.each(['1.34', '1.38', '1.31.4', '1.37.2+k3s1', 'latest'])('rejects version %s', (v) => {
    expect(() => k3sServerInitScript({ ...base, kubernetesVersion: v })).toThrow(InputError);
  });
});
