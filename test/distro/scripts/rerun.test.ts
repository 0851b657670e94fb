/**
 * Scripts run for real in a sandbox (see sandbox.ts): first run does the work, a second run changes
 * nothing, a changed input is applied, and a run that failed part-way converges when re-run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  etcdMemberScript,
  haproxyScript,
  k3sAgentJoinScript,
  k3sServerInitScript,
  kubeadmInitScript,
  kubeadmInstallScript,
  kubeadmJoinWorkerScript,
} from '../../../src/distro/scripts/index.js';
import { CA_HASH, ETCD, LB, controlPlanes } from './matrix.js';
import { containerdConfigV2, containerdConfigV3 } from '../../../src/distro/scripts/containerd.js';
import { Sandbox } from './sandbox.js';

const TOKEN = 'K10planted-secret-token-6f1c2e::server:deadbeefcafe';
const KTOKEN = 'abcdef.0123456789abcdef';
const CERT_KEY = 'f'.repeat(64);

const sandboxOk = Sandbox.available();
let sb: Sandbox;
beforeEach(() => {
  if (sandboxOk) sb = new Sandbox();
});
afterEach(() => sb?.dispose());

const restarts = (calls: string[], unit: string): string[] =>
  calls.filter((c) => new RegExp(`^systemctl (.* )?(restart|reload|start)( .*)? ${unit}$`).test(c));

describe.skipIf(!sandboxOk)('re-runs converge (sandbox)', () => {
  it('haproxy: starts once, no-op re-run, reload on change, converges after a failed reload', () => {
    const first = sb.run(haproxyScript({ controlPlanes: controlPlanes(1) }));
    expect(first.code, first.stderr).toBe(0);
    expect(restarts(first.calls, 'haproxy')).toEqual(['systemctl restart haproxy']);
    expect(sb.read('/etc/haproxy/haproxy.cfg')).toContain('server cp-0 10.0.2.10:6443 check');
    expect(sb.stat('/etc/haproxy/haproxy.cfg')).toBe('644:root:root');

    const again = sb.run(haproxyScript({ controlPlanes: controlPlanes(1) }));
    expect(again.code, again.stderr).toBe(0);
    expect(restarts(again.calls, 'haproxy')).toEqual([]);

    sb.failNext('systemctl', { when: ' reload ' }); // crash at the reload: the new config is already in place
    const scaled = haproxyScript({ controlPlanes: controlPlanes(3) });
    expect(sb.run(scaled).code).not.toBe(0);
    const retry = sb.run(scaled);
    expect(retry.code, retry.stderr).toBe(0);
    expect(restarts(retry.calls, 'haproxy')).toEqual(['systemctl reload haproxy']);
    expect(sb.read('/etc/haproxy/haproxy.cfg')).toContain('server cp-2 10.0.2.12:6443 check');
    expect(restarts(sb.run(scaled).calls, 'haproxy')).toEqual([]);
  });

  it('etcd member: upstream etcd installed once (checksum verified), unit, modes, restart only when unit or certs change', () => {
    const release = sb.putEtcdTarball();
    const input = {
      cluster: 'demo',
      name: 'etcd-0',
      address: '10.0.1.10',
      members: ETCD,
      timeoutSeconds: 5,
      airgap: {},
      release,
    };
    for (const f of ['ca.crt', 'server.crt', 'peer.crt']) sb.put(`/etc/etcd/pki/${f}`, `${f}\n`);
    for (const f of ['server.key', 'peer.key']) sb.put(`/etc/etcd/pki/${f}`, `${f}\n`, 0o644);
    const first = sb.run(etcdMemberScript(input));
    expect(first.code, first.stderr).toBe(0);
    expect(restarts(first.calls, 'ksctl-etcd')).toEqual(['systemctl restart --no-block ksctl-etcd']);
    expect(first.stdout).toContain(`installed etcd ${release.version} (linux-amd64, SHA-256 verified)`);
    expect(sb.exec('/usr/local/bin/etcd --version').stdout).toContain(`etcd Version: ${release.version.slice(1)}`);
    expect(sb.exec('/usr/local/bin/etcdutl version').stdout).toContain(`etcdutl version: ${release.version.slice(1)}`);
    expect(sb.read('/etc/systemd/system/ksctl-etcd.service')).toContain('ExecStart=/usr/local/bin/etcd \\');
    expect(sb.read('/etc/systemd/system/ksctl-etcd.service')).toContain(
      '--initial-cluster=etcd-0=https://10.0.1.10:2380,',
    );
    expect(sb.stat('/etc/etcd/pki/server.key')).toBe('600:etcd:etcd');
    expect(sb.stat('/var/lib/ksctl-etcd')).toBe('700:etcd:etcd');

    const again = sb.run(etcdMemberScript(input));
    expect(restarts(again.calls, 'ksctl-etcd')).toEqual(['systemctl start --no-block ksctl-etcd']);
    expect(again.stdout).not.toContain('installed etcd'); // the right version is already there
    sb.put('/etc/etcd/pki/server.crt', 'rotated\n');
    expect(restarts(sb.run(etcdMemberScript(input)).calls, 'ksctl-etcd')).toEqual([
      'systemctl restart --no-block ksctl-etcd',
    ]);
    // Another etcd binary in place (a new release): the member restarts onto it.
    sb.put('/usr/local/bin/etcd', `#!/bin/sh\necho 'etcd Version: ${release.version.slice(1)}'\n`, 0o755);
    expect(restarts(sb.run(etcdMemberScript(input)).calls, 'ksctl-etcd')).toEqual([
      'systemctl restart --no-block ksctl-etcd',
    ]);
    expect(restarts(sb.run(etcdMemberScript(input)).calls, 'ksctl-etcd')).toEqual([
      'systemctl start --no-block ksctl-etcd',
    ]);
  });

  it('etcd member: a tarball whose SHA-256 is not the pinned one is refused, nothing installed', () => {
    const release = sb.putEtcdTarball();
    for (const f of ['ca.crt', 'server.crt', 'server.key', 'peer.crt', 'peer.key'])
      sb.put(`/etc/etcd/pki/${f}`, `${f}\n`);
    const wrong = { ...release, sha256: { amd64: '0'.repeat(64) } };
    const r = sb.run(
      etcdMemberScript({
        cluster: 'demo',
        name: 'etcd-0',
        address: '10.0.1.10',
        members: ETCD,
        timeoutSeconds: 5,
        airgap: {},
        release: wrong,
      }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `ERROR: etcd ${release.version} linux-amd64 tarball /var/lib/ksctl/airgap/etcd-${release.version}-linux-amd64.tar.gz has SHA-256 ${release.sha256.amd64}, expected ${'0'.repeat(64)} (spec.etcd.release): refusing to install it`,
    );
    expect(sb.exec('test -e /usr/local/bin/etcd').code).not.toBe(0);
    expect(r.calls.filter((c) => c.startsWith('systemctl'))).toEqual([]);
  });

  it('etcd member: fails clearly when an upload is missing', () => {
    const r = sb.run(etcdMemberScript({ cluster: 'demo', name: 'etcd-0', address: '10.0.1.10', members: ETCD }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('missing /etc/etcd/pki/ca.crt');
  });

  it('k3s server: token only in a 0600 file, installer once, restart on config change', () => {
    const input = {
      cluster: 'demo',
      kubernetesVersion: '1.37',
      node: { name: 'cp-0', address: '10.0.2.10' },
      providerId: 'ksctl://demo/cp-0',
      loadBalancer: LB,
      timeoutSeconds: 5,
    };
    const script = k3sServerInitScript(input);
    expect(sb.run(script).code).not.toBe(0); // no token: refuses
    const first = sb.run(script, { K3S_TOKEN: TOKEN });
    expect(first.code, first.stderr).toBe(0);
    expect(first.calls.filter((c) => c.startsWith('installer'))).toEqual(['installer server']);
    // The minor's channel chooses the patch; nothing is pinned.
    expect(sb.installerEnv()).toContain('INSTALL_K3S_CHANNEL=v1.37\n');
    expect(sb.installerEnv()).not.toContain('INSTALL_K3S_VERSION');
    expect(sb.installerEnv()).not.toContain(TOKEN); // the installer would copy K3S_* into the unit's env file
    expect(sb.read('/etc/rancher/k3s/ksctl-token')).toBe(`${TOKEN}\n`);
    expect(sb.stat('/etc/rancher/k3s/ksctl-token')).toBe('600:root:root');
    expect(sb.read('/etc/rancher/k3s/config.yaml')).toContain('cluster-init: true');
    expect(`${first.stdout}${first.stderr}`).not.toContain(TOKEN);

    const again = sb.run(script, { K3S_TOKEN: TOKEN });
    expect(again.code, again.stderr).toBe(0);
    expect(again.calls.filter((c) => c.startsWith('installer') || c.startsWith('systemctl restart'))).toEqual([]);

    const moreSans = k3sServerInitScript({ ...input, loadBalancer: { ...LB, extraSans: ['api.example.com'] } });
    expect(restarts(sb.run(moreSans, { K3S_TOKEN: TOKEN }).calls, 'k3s')).toEqual(['systemctl restart k3s']);
  });

  it('k3s agent: another minor installed triggers the installer; a patch of the same minor is kept', () => {
    const input = {
      cluster: 'demo',
      kubernetesVersion: '1.37',
      node: { name: 'wp-0', address: '10.0.3.10' },
      providerId: 'ksctl://demo/wp-0',
      loadBalancer: LB,
      timeoutSeconds: 5,
    };
    sb.put('/usr/local/bin/k3s', '#!/bin/sh\necho "k3s version v1.30.0+k3s1 (x)"\n', 0o755);
    sb.setActive('k3s-agent', true);
    const r = sb.run(k3sAgentJoinScript(input), { K3S_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toContain('installer agent');
    expect(sb.read('/etc/rancher/k3s/config.yaml')).toContain('server: https://10.0.0.5:6443');
    sb.put('/usr/local/bin/k3s', '#!/bin/sh\necho "k3s version v1.37.0+k3s1 (x)"\n', 0o755);
    const again = sb.run(k3sAgentJoinScript(input), { K3S_TOKEN: TOKEN });
    expect(again.code, again.stderr).toBe(0);
    expect(again.calls).not.toContain('installer agent');
  });

  it('k3s: an installer that leaves another minor behind fails the step', () => {
    const input = {
      cluster: 'demo',
      kubernetesVersion: '1.36',
      node: { name: 'wp-0', address: '10.0.3.10' },
      providerId: 'ksctl://demo/wp-0',
      loadBalancer: LB,
      timeoutSeconds: 5,
    };
    const r = sb.run(k3sAgentJoinScript(input), { K3S_TOKEN: TOKEN }); // the installer stub installs v1.37.2+k3s1
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('k3s v1.37.2+k3s1 is installed, expected v1.36 (newest patch)');
  });

  it('kubeadm init: token substituted into a 0600 config, a half-done init is reset, re-run refreshes', () => {
    const input = {
      cluster: 'demo',
      kubernetesVersion: '1.37',
      node: { name: 'cp-0', address: '10.0.2.10' },
      providerId: 'ksctl://demo/cp-0',
      loadBalancer: LB,
      timeoutSeconds: 5,
    };
    sb.put('/etc/ksctl/kubeadm/pki/ca.crt', 'ca\n');
    sb.put('/etc/ksctl/kubeadm/pki/ca.key', 'key\n', 0o600);
    const script = kubeadmInitScript(input);
    const env = { KUBEADM_TOKEN: KTOKEN, KUBEADM_CERT_KEY: CERT_KEY };
    expect(sb.run(script, { ...env, KUBEADM_TOKEN: 'not-a-token' }).stderr).toContain(
      'KUBEADM_TOKEN is not a bootstrap token',
    );

    sb.failNext('kubeadm', { when: ' init ', action: 'partial-init' });
    expect(sb.run(script, env).code).not.toBe(0);
    expect(sb.read('/etc/kubernetes/admin.conf')).toBe('partial\n');

    const retry = sb.run(script, env);
    expect(retry.code, retry.stderr).toBe(0);
    const kubeadm = retry.calls.filter((c) => c.startsWith('kubeadm'));
    expect(kubeadm).toEqual([
      'kubeadm version -o short', // fills in the config's kubernetesVersion
      'kubeadm reset -f',
      'kubeadm init --config /etc/ksctl/kubeadm/init.yaml --upload-certs --skip-token-print --skip-certificate-key-print',
    ]);
    const cfg = sb.read('/etc/ksctl/kubeadm/init.yaml') ?? '';
    // The minor's placeholder became the installed kubeadm's own version.
    expect(cfg).toContain('kubernetesVersion: v1.37.2');
    expect(cfg).toContain(`token: ${KTOKEN}`);
    expect(cfg).toContain(`certificateKey: ${CERT_KEY}`);
    expect(sb.stat('/etc/ksctl/kubeadm/init.yaml')).toBe('600:root:root');
    expect(sb.read('/etc/kubernetes/pki/ca.key')).toBe('key\n');
    expect(script.body).not.toContain(KTOKEN);

    const again = sb.run(script, env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.calls.filter((c) => c.startsWith('kubeadm'))).toEqual([
      'kubeadm version -o short',
      'kubeadm init phase bootstrap-token --config /etc/ksctl/kubeadm/init.yaml --skip-token-print',
      'kubeadm init phase upload-certs --upload-certs --skip-certificate-key-print --config /etc/ksctl/kubeadm/init.yaml',
    ]);
  });

  it('kubeadm install: tools present at the pinned version → nothing installed; containerd configured once', () => {
    const script = kubeadmInstallScript({ kubernetesVersion: '1.37' });
    const first = sb.run(script);
    expect(first.code, first.stderr).toBe(0);
    expect(first.calls.filter((c) => /^(apt-get|apt-mark|dpkg|curl) /.test(c))).toEqual([]);
    expect(sb.read('/etc/containerd/config.toml')).toBe(containerdConfigV2('registry.k8s.io/pause:3.10.2'));
    expect(sb.read('/etc/sysctl.d/99-ksctl-kubernetes.conf')).toContain('net.ipv4.ip_forward=1');
    expect(restarts(first.calls, 'containerd')).toEqual(['systemctl restart containerd']);
    expect(restarts(sb.run(script).calls, 'containerd')).toEqual([]);
  });

  it.each([
    [
      'containerd 2.x (config version 3)',
      { STUB_CONTAINERD_MODULE: '/v2', STUB_CONTAINERD_VERSION: 'v2.1.4' },
      containerdConfigV3,
    ],
    ["Debian's containerd 1.6 (config version 2)", { STUB_CONTAINERD_VERSION: '1.6.20~ds1' }, containerdConfigV2],
  ])('kubeadm install on %s: the matching config, once', (_name, env, render) => {
    const script = kubeadmInstallScript({ kubernetesVersion: '1.37' });
    const first = sb.run(script, env);
    expect(first.code, first.stderr).toBe(0);
    expect(sb.read('/etc/containerd/config.toml')).toBe(render('registry.k8s.io/pause:3.10.2'));
    expect(restarts(sb.run(script, env).calls, 'containerd')).toEqual([]);
  });

  it("kubeadm install: another minor → apt installs from that minor's repository and holds it", () => {
    const r = sb.run(kubeadmInstallScript({ kubernetesVersion: '1.36' }));
    // The stand-in tools still report 1.37.2, so the final check fails: the install path is what we look at.
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'kubeadm/kubelet 1.36 (newest patch) not installed (kubeadm v1.37.2, Kubernetes v1.37.2)',
    );
    expect(r.calls).toContain(
      'apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends --allow-change-held-packages kubelet kubeadm kubectl',
    );
    expect(r.calls).toContain('apt-mark hold kubelet kubeadm kubectl');
    expect(sb.read('/etc/apt/sources.list.d/kubernetes.list')).toContain(
      'https://pkgs.k8s.io/core:/stable:/v1.36/deb/ /',
    );
  });

  it('kubeadm install: a pinned patch other than the installed one → apt installs exactly it', () => {
    const r = sb.run(kubeadmInstallScript({ kubernetesVersion: '1.37.1' }));
    expect(r.code).not.toBe(0);
    expect(r.calls).toContain(
      'apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends --allow-change-held-packages kubelet=1.37.1-1.1 kubeadm=1.37.1-1.1 kubectl=1.37.1-1.1',
    );
  });

  it('kubeadm worker join: joins once', () => {
    const input = {
      cluster: 'demo',
      kubernetesVersion: '1.37',
      node: { name: 'wp-0', address: '10.0.3.10' },
      providerId: 'ksctl://demo/wp-0',
      loadBalancer: LB,
      caCertHash: CA_HASH,
      timeoutSeconds: 5,
    };
    sb.setActive('kubelet', true);
    const first = sb.run(kubeadmJoinWorkerScript(input), { KUBEADM_TOKEN: KTOKEN });
    expect(first.code, first.stderr).toBe(0);
    expect(first.calls).toContain('kubeadm join --config /etc/ksctl/kubeadm/join.yaml');
    expect(sb.read('/etc/ksctl/kubeadm/join.yaml')).toContain(`token: ${KTOKEN}`);
    const again = sb.run(kubeadmJoinWorkerScript(input), { KUBEADM_TOKEN: KTOKEN });
    expect(again.calls.filter((c) => c.startsWith('kubeadm'))).toEqual([]);
  });
});
