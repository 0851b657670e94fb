import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { InputError } from '../../../src/errors.js';
import {
  kubeadmCniScript,
  kubeadmInitConfig,
  kubeadmInitScript,
  kubeadmInstallScript,
  kubeadmJoinConfig,
  kubeadmJoinControlPlaneScript,
  kubeadmJoinWorkerScript,
  kubeadmMintScript,
  installTarget,
  kubeadmVersionScript,
} from '../../../src/distro/scripts/index.js';
import { RESTORED_ETCD_PREFLIGHT } from '../../../src/distro/scripts/kubeadm-fresh-restore.js';
import { CA_HASH, ETCD, LB } from './matrix.js';
import type { WireDoc } from '../../helpers/wire.js';

const base = {
  cluster: 'demo',
  kubernetesVersion: '1.37',
  node: { name: 'cp-0', address: '10.0.2.10' },
  providerId: 'ksctl://demo/cp-0',
  loadBalancer: LB,
};

const docs = (yaml: string): Record<string, WireDoc> =>
  Object.fromEntries(
    parseAllDocuments(yaml)
      .map((d) => d.toJSON())
      .map((d) => [d.kind, d]),
  );

describe('kubeadm init config', () => {
  it('external etcd: endpoint, pinned version, LB endpoint and SANs, token placeholder', () => {
    const d = docs(kubeadmInitConfig({ ...base, kubernetesVersion: '1.37.2', etcd: ETCD }));
    expect(d.ClusterConfiguration).toMatchObject({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kubernetesVersion: 'v1.37.2',
      controlPlaneEndpoint: '10.0.0.5:6443',
      apiServer: { certSANs: ['10.0.0.5', '203.0.113.5'] },
      etcd: {
        external: {
          endpoints: ['https://10.0.1.10:2379', 'https://10.0.1.11:2379', 'https://10.0.1.12:2379'],
          caFile: '/etc/kubernetes/pki/etcd/ca.crt',
          certFile: '/etc/kubernetes/pki/apiserver-etcd-client.crt',
          keyFile: '/etc/kubernetes/pki/apiserver-etcd-client.key',
        },
      },
      networking: { podSubnet: '10.244.0.0/16' },
    });
    expect(d.InitConfiguration).toMatchObject({
      bootstrapTokens: [{ token: '__KSCTL_KUBEADM_TOKEN__', ttl: '24h' }],
      certificateKey: '__KSCTL_KUBEADM_CERT_KEY__',
      localAPIEndpoint: { advertiseAddress: '10.0.2.10', bindPort: 6443 },
      nodeRegistration: {
        name: 'cp-0',
        kubeletExtraArgs: [
          { name: 'node-ip', value: '10.0.2.10' },
          { name: 'provider-id', value: 'ksctl://demo/cp-0' },
        ],
      },
      timeouts: { controlPlaneComponentHealthCheck: '600s', kubeletHealthCheck: '600s' },
    });
    expect(d.InitConfiguration.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(d.KubeletConfiguration).toEqual({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      cgroupDriver: 'systemd',
    });
  });

  it('cgroup v1 consent: failCgroupV1 false in the (cluster-wide) KubeletConfiguration', () => {
    const d = docs(kubeadmInitConfig({ ...base, kubelet: { allowCgroupV1: true } }));
    expect(d.KubeletConfiguration.failCgroupV1).toBe(false);
  });

  it('a restore onto stacked etcd ignores only the non-empty data-dir check, beside the cgroup v1 one', () => {
    const reg = (extra: Record<string, unknown>) =>
      docs(kubeadmInitConfig({ ...base, ...extra })).InitConfiguration.nodeRegistration.ignorePreflightErrors;
    expect(reg({})).toBeUndefined();
    expect(reg({ ignorePreflightErrors: [RESTORED_ETCD_PREFLIGHT] })).toEqual(['DirAvailable--var-lib-etcd']);
    expect(reg({ kubelet: { allowCgroupV1: true }, ignorePreflightErrors: [RESTORED_ETCD_PREFLIGHT] })).toEqual([
      'SystemVerification',
      'DirAvailable--var-lib-etcd',
    ]);
  });

  it('timeouts follow the node timeout', () => {
    expect(docs(kubeadmInitConfig({ ...base, timeoutSeconds: 900 })).InitConfiguration.timeouts).toEqual({
      controlPlaneComponentHealthCheck: '900s',
      kubeletHealthCheck: '900s',
    });
  });

  it.each([
    ['AWS', 'aws:///us-east-1a/i-0123456789abcdef0'],
    [
      'Azure',
      'azure:///subscriptions/0000/resourceGroups/ksctl-demo/providers/Microsoft.Compute/virtualMachines/demo-cp-0',
    ],
    ['GCP', 'gce://my-project/us-central1-a/demo-cp-0'],
  ])('%s provider ID reaches the kubelet as --provider-id', (_c, providerId) => {
    const args = docs(kubeadmInitConfig({ ...base, providerId })).InitConfiguration.nodeRegistration.kubeletExtraArgs;
    expect(args).toContainEqual({ name: 'provider-id', value: providerId });
  });

  it.each(['', 'i-0123', 'ksctl://demo/cp 0', "aws:///x'y"])('rejects the provider ID %j', (providerId) => {
    expect(() => kubeadmInitConfig({ ...base, providerId })).toThrow(InputError);
  });

  it('quotes what YAML 1.1 would read as another type (kubeadm reads YAML 1.1)', () => {
    const yaml = kubeadmInitConfig({ ...base, node: { name: 'no', address: '10.0.2.10' }, cluster: 'on' });
    expect(yaml).toContain('name: "no"');
    expect(yaml).toContain('clusterName: "on"');
  });

  it('embedded etcd: stacked (local)', () => {
    expect(docs(kubeadmInitConfig(base)).ClusterConfiguration.etcd).toEqual({ local: { dataDir: '/var/lib/etcd' } });
  });

  it.each([
    ['tokenTtl', { tokenTtl: '1 day' }],
    ['podSubnet', { podSubnet: '10.244.0.0' }],
  ])('rejects a bad %s', (_f, extra) => {
    expect(() => kubeadmInitConfig({ ...base, ...extra })).toThrow(InputError);
  });
});

describe('kubeadm join config', () => {
  it('control plane: discovery through the LB with the CA hash, certificate key, advertise address', () => {
    const j = parse(
      kubeadmJoinConfig(
        { ...base, node: { name: 'cp-1', address: '10.0.2.11' }, providerId: 'ksctl://demo/cp-1', caCertHash: CA_HASH },
        true,
      ),
    );
    expect(j).toEqual({
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'JoinConfiguration',
      discovery: {
        bootstrapToken: {
          apiServerEndpoint: '10.0.0.5:6443',
          token: '__KSCTL_KUBEADM_TOKEN__',
          caCertHashes: [CA_HASH],
        },
      },
      nodeRegistration: {
        name: 'cp-1',
        criSocket: 'unix:///run/containerd/containerd.sock',
        kubeletExtraArgs: [
          { name: 'node-ip', value: '10.0.2.11' },
          { name: 'provider-id', value: 'ksctl://demo/cp-1' },
        ],
      },
      timeouts: { controlPlaneComponentHealthCheck: '600s', kubeletHealthCheck: '600s', tlsBootstrap: '600s' },
      controlPlane: {
        localAPIEndpoint: { advertiseAddress: '10.0.2.11', bindPort: 6443 },
        certificateKey: '__KSCTL_KUBEADM_CERT_KEY__',
      },
    });
  });

  it('worker: no control-plane section, no certificate key', () => {
    const j = parse(kubeadmJoinConfig({ ...base, caCertHash: CA_HASH }, false));
    expect(j.controlPlane).toBeUndefined();
    expect(j.timeouts).toEqual({ kubeletHealthCheck: '600s', tlsBootstrap: '600s' });
    expect(JSON.stringify(j)).not.toContain('CERT_KEY');
  });

  it('rejects a malformed CA hash', () => {
    expect(() => kubeadmJoinConfig({ ...base, caCertHash: 'sha256:xyz' }, false)).toThrow(InputError);
  });
});

describe('kubeadm scripts', () => {
  it('init: guarded, upload-certs, secrets never printed, ksctl CA staged', () => {
    const s = kubeadmInitScript({ ...base, etcd: ETCD });
    expect(s.secretEnv).toEqual(['KUBEADM_TOKEN', 'KUBEADM_CERT_KEY']);
    expect(s.body).toContain(
      'kubeadm init --config /etc/ksctl/kubeadm/init.yaml --upload-certs --skip-token-print --skip-certificate-key-print',
    );
    expect(s.body).toContain('if [ -f /var/lib/ksctl/kubeadm/initialized ] && [ -f /etc/kubernetes/admin.conf ]; then');
    expect(s.body).toContain('config=${config//__KSCTL_KUBEADM_TOKEN__/"$KUBEADM_TOKEN"}');
    expect(s.files?.map((f) => f.contentRef)).toEqual([
      'secret:kubernetes-ca.crt',
      'secret:kubernetes-ca.key',
      'secret:etcd-ca.crt',
      'secret:etcd-apiserver-client.crt',
      'secret:etcd-apiserver-client.key',
    ]);
  });

  it("init with the cluster's ServiceAccount pair (a restore): staged from the secret store, installed after any reset, before init", () => {
    const s = kubeadmInitScript({ ...base, etcd: ETCD, serviceAccountKeys: true });
    expect(s.files?.filter((f) => f.contentRef.startsWith('secret:kubeadm-sa'))).toEqual([
      { path: '/etc/ksctl/kubeadm/pki/kubeadm-sa.key', mode: 0o600, contentRef: 'secret:kubeadm-sa.key' },
      { path: '/etc/ksctl/kubeadm/pki/kubeadm-sa.pub', mode: 0o644, contentRef: 'secret:kubeadm-sa.pub' },
    ]);
    const at = (line: string) => {
      const i = s.body.indexOf(line);
      expect(i, line).toBeGreaterThan(-1);
      return i;
    };
    const reset = at('    kubeadm reset -f');
    const key = at('  install -m 0600 /etc/ksctl/kubeadm/pki/kubeadm-sa.key /etc/kubernetes/pki/sa.key');
    const pub = at('  install -m 0644 /etc/ksctl/kubeadm/pki/kubeadm-sa.pub /etc/kubernetes/pki/sa.pub');
    const init = at('  kubeadm init --config');
    expect(reset).toBeLessThan(key);
    expect(Math.max(key, pub)).toBeLessThan(init);
    // Without it (any create without a kept pair), kubeadm makes its own.
    const plain = kubeadmInitScript({ ...base, etcd: ETCD });
    expect(plain.body).not.toContain('sa.key');
    expect(plain.files?.some((f) => f.contentRef.includes('kubeadm-sa'))).toBe(false);
  });

  it('joins: control plane waits for its own API server, worker for the kubelet', () => {
    const cp = kubeadmJoinControlPlaneScript({
      ...base,
      node: { name: 'cp-1', address: '10.0.2.11' },
      caCertHash: CA_HASH,
    });
    expect(cp.secretEnv).toEqual(['KUBEADM_TOKEN', 'KUBEADM_CERT_KEY']);
    expect(cp.body).toContain('kubeadm join --config /etc/ksctl/kubeadm/join.yaml');
    expect(cp.body).toContain('--server https://10.0.2.11:6443 get --raw=/readyz');
    const wp = kubeadmJoinWorkerScript({ ...base, node: { name: 'wp-0', address: '10.0.3.10' }, caCertHash: CA_HASH });
    expect(wp.secretEnv).toEqual(['KUBEADM_TOKEN']);
    expect(wp.body).toContain('systemctl is-active --quiet kubelet');
  });

  it('mint: creates the given token, re-uploads certs, prints only the CA hash', () => {
    const s = kubeadmMintScript({ ...base, tokenTtl: '2h' });
    expect(s.body).toContain(
      'kubeadm init phase bootstrap-token --config /etc/ksctl/kubeadm/mint.yaml --skip-token-print >/dev/null',
    );
    expect(s.body).toContain(
      'kubeadm init phase upload-certs --upload-certs --skip-certificate-key-print --config /etc/ksctl/kubeadm/mint.yaml',
    );
    expect(s.body).toContain('ttl: 2h');
    expect(s.body).toContain('echo "ca-cert-hash sha256:${hash}"');
  });

  it('install: a minor installs the newest package of its per-minor repository, held; prerequisites only warn', () => {
    const s = kubeadmInstallScript({ kubernetesVersion: '1.37' });
    expect(s.body).toContain('https://pkgs.k8s.io/core:/stable:/v1.37/deb/');
    expect(s.body).toContain('apt_install --allow-change-held-packages kubelet kubeadm kubectl\n');
    expect(s.body).toContain('case "$v" in v1.37.*) true ;; *) false ;; esac');
    expect(s.body).toContain('apt-mark hold kubelet kubeadm kubectl');
    expect(s.body).toContain('warn "cannot load kernel module $m; continuing"');
    expect(s.body).toContain('sandbox_image = "registry.k8s.io/pause:3.10.2"');
    expect(s.body).toContain(
      '[plugins.\'io.containerd.cri.v1.images\'.pinned_images]\n  sandbox = "registry.k8s.io/pause:3.10.2"',
    );
  });

  it('install: a full version pins those packages', () => {
    const s = kubeadmInstallScript({ kubernetesVersion: '1.36.5' });
    expect(s.body).toContain('https://pkgs.k8s.io/core:/stable:/v1.36/deb/');
    expect(s.body).toContain('kubelet=1.36.5-1.1 kubeadm=1.36.5-1.1 kubectl=1.36.5-1.1');
    expect(s.body).toContain('[ "$v" = v1.36.5 ]');
  });

  it('init config: a minor leaves kubernetesVersion to the installed kubeadm, filled in on the machine', () => {
    expect(docs(kubeadmInitConfig(base)).ClusterConfiguration.kubernetesVersion).toBe('__KSCTL_KUBERNETES_VERSION__');
    const s = kubeadmInitScript(base);
    expect(s.body).toContain('config=${config//__KSCTL_KUBERNETES_VERSION__/"$(kubeadm version -o short)"}');
  });

  it("the version read-back prints kubeadm's and the kubelet's own versions", () => {
    const body = kubeadmVersionScript().body;
    expect(body).toContain('d=$(kubeadm version -o short)');
    expect(body).toContain("k=$(kubelet --version | awk '{ print $2 }')");
    expect(body).toContain('echo "kubernetes-version kubernetes $k"');
  });

  it('install, air-gapped: dpkg from uploads, images imported, nothing downloaded', () => {
    const s = kubeadmInstallScript({
      kubernetesVersion: '1.35',
      airgap: { packages: ['kubeadm.deb'], images: ['cp.tar'] },
    });
    expect(s.body).not.toMatch(/curl|apt_install/);
    expect(s.body).toContain('dpkg -i "${debs[@]}"');
    expect(s.body).toContain('ctr -n k8s.io images import "$image"');
    expect(s.files?.map((f) => f.path)).toEqual([
      '/var/lib/ksctl/airgap/debs/kubeadm.deb',
      '/var/lib/ksctl/airgap/images/cp.tar',
    ]);
  });

  it('cni: flannel with the pod subnet', () => {
    const s = kubeadmCniScript({ podSubnet: '10.42.0.0/16' });
    expect(s.body).toContain("sed 's#10.244.0.0/16#10.42.0.0/16#g'");
    expect(s.body).toContain('kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f');
  });

  it.each([
    ['1.37', { minor: '1.37' }],
    ['1.35.2', { minor: '1.35', pinned: '1.35.2' }],
    ['v1.36.1', { minor: '1.36', pinned: '1.36.1' }],
  ])('%s installs %j', (req, want) => {
    expect(installTarget('kubeadm', req)).toEqual(want);
  });

  it.each(['1.34', '1.38.0', 'v1.36.1+k3s1'])('refuses %s (exit 2, naming the field)', (v) => {
    expect(() => kubeadmInstallScript({ kubernetesVersion: v })).toThrow(InputError);
  });
});
