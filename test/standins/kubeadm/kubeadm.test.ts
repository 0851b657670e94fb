/**
 * The kubeadm stand-in against REAL etcd (external with TLS, and stacked), REAL HAProxy and REAL
 * kubectl, on loopback addresses 127.0.12.x with kernel-chosen ports; each node has its own
 * temp STANDIN_ROOT. Processes kubeadm leaves running (apiserver, kubelet, etcd) are stopped by
 * `kubeadm reset -f` and, whatever happens, by the pid-file sweep in cleanup().
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBEADM, cleanup, freePort, kubectl, place, removeRoots, run, startEtcd, startHaproxy, tmpDir } from '../kube-api/testkit.js';

const VERSION = 'v1.31.7';
const kubeadm = (root: string, args: string[], extra: NodeJS.ProcessEnv = {}) => run('node', [KUBEADM, ...args], {
  STANDIN_ROOT: root, KUBEADM_STANDIN_VERSION: VERSION, KUBE_STANDIN_HEARTBEAT_SECONDS: '1', KUBEADM_STANDIN_API_RETRY_SECONDS: '15', ...extra });
const roots: string[] = [];
const node = (name: string) => { const r = tmpDir(`kubeadm-${name}`); roots.push(r); return r; };

/** "kubeadm join ..." lines of kubeadm's output as argv (without "kubeadm"). */
function joinArgs(out: string, controlPlane: boolean): string[] {
  const blocks = out.split(/\n\s*\n/).filter((b) => b.trim().startsWith('kubeadm join'));
  const block = blocks.find((b) => b.includes('--control-plane') === controlPlane);
  if (!block) throw new Error(`no join command in:\n${out}`);
  return block.replace(/\\\n/g, ' ').trim().split(/\s+/).slice(1);
}

// The pid-file sweep stops whatever kubeadm left running, even after a failed test (`kubeadm
// reset` itself is exercised by the stacked-etcd test).
afterAll(() => { cleanup(); removeRoots(); });

describe('kubeadm stand-in: command line', () => {
  it('prints versions like kubeadm', async () => {
    const r = await kubeadm(node('ver'), ['version', '-o', 'short']);
    expect(r.stdout).toBe(`${VERSION}\n`);
    expect((await kubeadm(node('ver2'), ['version'])).stdout).toContain(`GitVersion:"${VERSION}"`);
  });

  it('rejects unknown flags and joins without a CA pin', async () => {
    const r = await kubeadm(node('flags'), ['init', '--bogus']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown flag: --bogus');
    const j = await kubeadm(node('nopin'), ['join', '127.0.0.1:1', '--token', 'abcdef.0123456789abcdef']);
    expect(j.code).toBe(1);
    expect(j.stderr).toContain('using token-based discovery without caCertHashes can be unsafe');
  });

  const v1beta3 = `apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
nodeRegistration:
  name: cp0
`;

  it('kubeadm 1.37 refuses v1beta3 with kubeadm\'s own message; nothing is set up', async () => {
    const root = node('v1beta3');
    fs.writeFileSync(path.join(root, 'kubeadm.yaml'), v1beta3);
    const r = await kubeadm(root, ['init', '--config', '/kubeadm.yaml'], { KUBEADM_STANDIN_VERSION: 'v1.37.2' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`your configuration file uses an old API spec: "kubeadm.k8s.io/v1beta3" (kind: "InitConfiguration"). Please use kubeadm v1.36 instead and run 'kubeadm config migrate --old-config old-config-file --new-config new-config-file'`);
    expect(fs.existsSync(path.join(root, 'etc/kubernetes/pki'))).toBe(false);
  });

  it('v1beta4 wants extraArgs as lists: a v1beta3-style map is a decoding error', async () => {
    const root = node('argmap');
    fs.writeFileSync(path.join(root, 'kubeadm.yaml'), v1beta3.replace('v1beta3', 'v1beta4') + '  kubeletExtraArgs:\n    node-ip: 127.0.12.1\n');
    const r = await kubeadm(root, ['init', '--config', '/kubeadm.yaml'], { KUBEADM_STANDIN_VERSION: 'v1.37.2' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('json: cannot unmarshal object into Go struct field NodeRegistrationOptions.nodeRegistration.kubeletExtraArgs of type []v1beta4.Arg');
  });
});

describe('kubelet stand-in: cgroup v1', () => {
  // Like kubelet >= 1.35 (failCgroupV1 defaults to true); which answer is right depends on this host.
  const cgroupV2 = fs.statfsSync('/sys/fs/cgroup').type === 0x63677270;
  const kubelet = (root: string, args: string[]) =>
    run('node', [path.join(path.dirname(KUBEADM), '../kube-api/kubelet.mjs'), '--kubeconfig=/kubelet.conf', ...args], { STANDIN_ROOT: root, KUBELET_STANDIN_VERSION: 'v1.37.2' });
  const REFUSAL = 'kubelet is configured to not run on a host using cgroup v1';

  it.skipIf(cgroupV2)('refuses this cgroup v1 host unless failCgroupV1 is false (file or flag)', async () => {
    const root = node('kubelet-cg');
    fs.writeFileSync(path.join(root, 'kubelet.conf'), 'not a kubeconfig');
    expect((await kubelet(root, [])).stderr).toContain(REFUSAL);
    fs.writeFileSync(path.join(root, 'config.yaml'), 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nfailCgroupV1: false\n');
    expect((await kubelet(root, ['--config=/config.yaml'])).stderr).not.toContain(REFUSAL);
    expect((await kubelet(root, ['--fail-cgroupv1=false'])).stderr).not.toContain(REFUSAL);
  });

  it.skipIf(!cgroupV2)('starts on this cgroup v2 host', async () => {
    const root = node('kubelet-cg2');
    fs.writeFileSync(path.join(root, 'kubelet.conf'), 'not a kubeconfig');
    expect((await kubelet(root, [])).stderr).not.toContain(REFUSAL);
  });
});

describe('kubeadm stand-in: HA with external etcd behind HAProxy', () => {
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  let port: number;
  let lb: string;
  let initOut = '';
  const ip = { cp0: '127.0.12.1', cp1: '127.0.12.2', cp2: '127.0.12.3', w0: '127.0.12.10', w1: '127.0.12.11', lb: '127.0.12.100' };
  const r: Record<string, string> = {};

  beforeAll(async () => {
    etcd = await startEtcd(tmpDir('kubeadm-etcd'));
    port = await freePort();
    lb = `${ip.lb}:${await freePort()}`;
    for (const n of ['cp0', 'cp1', 'cp2', 'w0', 'w1', 'w2', 'lb']) r[n] = node(n);
    await startHaproxy(r.lb!, lb, [`${ip.cp0}:${port}`, `${ip.cp1}:${port}`]);
  }, 60000);

  it('initialises the first control plane from a v1beta4 config with --upload-certs', async () => {
    const root = r.cp0!;
    const files = ['ca.crt', 'client.crt', 'client.key'].map((f, i) =>
      place(root, `/etc/kubernetes/pki/etcd-ext/${f}`, [etcd.certs.ca, etcd.certs.clientCert, etcd.certs.clientKey][i]!));
    fs.writeFileSync(path.join(root, 'kubeadm.yaml'), `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${ip.cp0}
  bindPort: ${port}
nodeRegistration:
  name: cp0
  kubeletExtraArgs:
    - name: provider-id
      value: ksctl://standin/cp0
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${VERSION}
controlPlaneEndpoint: "${lb}"
apiServer:
  certSANs: [${ip.lb}]
etcd:
  external:
    endpoints: [${etcd.endpoint}]
    caFile: ${files[0]}
    certFile: ${files[1]}
    keyFile: ${files[2]}
networking:
  podSubnet: 10.244.0.0/16
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
`);
    const res = await kubeadm(root, ['init', '--config', '/kubeadm.yaml', '--upload-certs'], { KUBEADM_STANDIN_APISERVER_BIND_ADDRESS: ip.cp0 });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    initOut = res.stdout;
    expect(initOut).toContain('Your Kubernetes control-plane has initialized successfully!');
    expect(initOut).toMatch(new RegExp(`kubeadm join ${lb} --token [a-z0-9]{6}\\.[a-z0-9]{16} \\\\\n\\t--discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \\\\\n\\t--control-plane --certificate-key [0-9a-f]{64}`));
    const admin = fs.readFileSync(path.join(root, 'etc/kubernetes/admin.conf'), 'utf8');
    expect(admin).toContain(`server: https://${lb}`);
    expect(fs.existsSync(path.join(root, 'etc/kubernetes/pki/ca.key'))).toBe(true);
    // Running init again on the same node fails in preflight, like kubeadm.
    const again = await kubeadm(root, ['init', '--config', '/kubeadm.yaml'], { KUBEADM_STANDIN_APISERVER_BIND_ADDRESS: ip.cp0 });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]');
  }, 60000);

  it('joins a worker through the load balancer with the printed command', async () => {
    const res = await kubeadm(r.w0!, [...joinArgs(initOut, false), '--node-name', 'w0', '--apiserver-advertise-address', ip.w0]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('This node has joined the cluster:');
    expect(fs.readFileSync(path.join(r.w0!, 'etc/kubernetes/kubelet.conf'), 'utf8')).toContain(`server: https://${lb}`);
    // The init config's KubeletConfiguration reaches a joining node through the kubelet-config ConfigMap.
    expect(fs.readFileSync(path.join(r.w0!, 'var/lib/kubelet/config.yaml'), 'utf8')).toMatch(/^failCgroupV1: false$/m);
  }, 60000);

  it('joins a second control plane with the certificate key', async () => {
    const res = await kubeadm(r.cp1!, [...joinArgs(initOut, true), '--node-name', 'cp1', '--apiserver-advertise-address', ip.cp1,
      '--apiserver-bind-port', String(port)], { KUBEADM_STANDIN_APISERVER_BIND_ADDRESS: ip.cp1 });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('This node has joined the cluster and a new control plane instance was created');
    const ca = (root: string) => fs.readFileSync(path.join(root, 'etc/kubernetes/pki/ca.crt'), 'utf8');
    expect(ca(r.cp1!)).toBe(ca(r.cp0!));
  }, 60000);

  it('lists the three nodes with real kubectl and deletes one', async () => {
    const kc = path.join(r.cp1!, 'etc/kubernetes/admin.conf');
    const v = await kubectl(kc, ['version', '-o', 'json']);
    expect(JSON.parse(v.stdout).serverVersion.gitVersion).toBe(VERSION);
    const list = JSON.parse((await kubectl(kc, ['get', 'nodes', '-o', 'json'])).stdout).items as Array<{ metadata: { name: string; labels: Record<string, string> }; spec: { taints?: Array<{ key: string }> } }>;
    expect(list.map((n) => n.metadata.name).sort()).toEqual(['cp0', 'cp1', 'w0']);
    const cp1 = list.find((n) => n.metadata.name === 'cp1')!;
    expect(cp1.metadata.labels['node-role.kubernetes.io/control-plane']).toBe('');
    expect(cp1.spec.taints?.map((t) => t.key)).toContain('node-role.kubernetes.io/control-plane');
    // nodeRegistration.kubeletExtraArgs (v1beta4 list) → the kubelet's --provider-id → the Node's spec.providerID.
    expect((list.find((n) => n.metadata.name === 'cp0')!.spec as { providerID?: string }).providerID).toBe('ksctl://standin/cp0');
    expect((await kubectl(kc, ['get', 'nodes'])).stdout).toMatch(/w0\s+Ready\s+<none>\s+\S+\s+v1\.31\.7/);
    const drain = await kubectl(kc, ['drain', 'w0', '--ignore-daemonsets', '--delete-emptydir-data', '--force']);
    expect(drain.code, drain.stderr).toBe(0);
    expect((await kubectl(kc, ['delete', 'node', 'w0'])).stdout).toContain('node "w0" deleted');
  }, 30000);

  it('mints tokens that expire after their TTL', async () => {
    const created = await kubeadm(r.cp0!, ['token', 'create', '--ttl', '2s', '--print-join-command']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`^kubeadm join ${lb} --token [a-z0-9]{6}\\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64} \\n$`));
    const list = await kubeadm(r.cp0!, ['token', 'list']);
    expect(list.stdout).toContain(created.stdout.split(' ')[4]!);
    await new Promise((res) => setTimeout(res, 3200)); // TTL 2s, expiration rounded up to the second
    const late = await kubeadm(r.w1!, [...created.stdout.trim().split(/\s+/).slice(1), '--node-name', 'w1'], { KUBEADM_STANDIN_DISCOVERY_TIMEOUT: '2s' });
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('error execution phase preflight: couldn\'t validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID');
    // A re-minted token works; this node got kubelet v1.31.6 from the package stand-in.
    const pkgs = await run('sh', [path.join(path.dirname(KUBEADM), 'install-packages.sh'), 'v1.31.6'],
      { BIN_DIR: path.join(r.w1!, 'usr/local/bin'), UNIT_DIR: path.join(r.w1!, 'etc/systemd/system') });
    expect(pkgs.code, pkgs.stderr).toBe(0);
    const fresh = await kubeadm(r.cp0!, ['token', 'create', '--print-join-command']);
    const ok = await kubeadm(r.w1!, [...fresh.stdout.trim().split(/\s+/).slice(1), '--node-name', 'w1', '--apiserver-advertise-address', ip.w1]);
    expect(ok.code, ok.stderr).toBe(0);
    const w1 = await kubectl(path.join(r.cp0!, 'etc/kubernetes/admin.conf'), ['get', 'node', 'w1', '-o', 'jsonpath={.status.nodeInfo.kubeletVersion}']);
    expect(w1.stdout).toBe('v1.31.6');
  }, 40000);

  it('token create and upload-certs take the token and certificate key from --config, as kubeadm does', async () => {
    const token = 'ksctl0.0123456789abcdef';
    const key = 'c0ffee'.repeat(10) + 'abcd';
    const base = fs.readFileSync(path.join(r.cp0!, 'kubeadm.yaml'), 'utf8');
    fs.writeFileSync(path.join(r.cp0!, 'mint.yaml'), base.replace('kind: InitConfiguration\n', `kind: InitConfiguration
bootstrapTokens:
- token: ${token}
  ttl: 1h
  description: from the config
  groups: [system:bootstrappers:kubeadm:default-node-token]
  usages: [signing, authentication]
certificateKey: ${key}
`));
    const created = await kubeadm(r.cp0!, ['token', 'create', '--config', '/mint.yaml']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe(`${token}\n`);
    expect((await kubeadm(r.cp0!, ['token', 'list'])).stdout).toMatch(new RegExp(`${token.replace('.', '\\.')}\\s+(59m|1h)\\s+\\S+\\s+authentication,signing\\s+from the config`));
    // Created again: updated, not refused.
    expect((await kubeadm(r.cp0!, ['token', 'create', '--config', '/mint.yaml'])).code).toBe(0);
    const mixed = await kubeadm(r.cp0!, ['token', 'create', '--config', '/mint.yaml', '--ttl', '2h']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain("can not mix '--config' with arguments [ttl]");
    const up = await kubeadm(r.cp0!, ['init', 'phase', 'upload-certs', '--upload-certs', '--skip-certificate-key-print', '--config', '/mint.yaml']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).not.toContain(key);
    // A control plane joins with exactly that token and key.
    const hash = (await kubeadm(r.cp0!, ['token', 'create', '--print-join-command'])).stdout.match(/sha256:[0-9a-f]{64}/)![0];
    const cp3 = node('cp3');
    const join = await kubeadm(cp3, ['join', lb, '--token', token, '--discovery-token-ca-cert-hash', hash, '--control-plane', '--certificate-key', key,
      '--node-name', 'cp3', '--apiserver-advertise-address', '127.0.12.4', '--apiserver-bind-port', String(port)], { KUBEADM_STANDIN_APISERVER_BIND_ADDRESS: '127.0.12.4' });
    expect(join.code, join.stdout + join.stderr).toBe(0);
    expect((await kubeadm(cp3, ['reset', '-f'])).code).toBe(0);
    expect((await kubectl(path.join(r.cp0!, 'etc/kubernetes/admin.conf'), ['delete', 'node', 'cp3'])).code).toBe(0);
  }, 60000);

  it('refuses a certificate key after the uploaded certs expired, and accepts a re-uploaded one', async () => {
    const up = await kubeadm(r.cp0!, ['init', 'phase', 'upload-certs', '--upload-certs'], { KUBEADM_STANDIN_CERT_KEY_TTL: '1s' });
    expect(up.code, up.stderr).toBe(0);
    const key = up.stdout.trim().split('\n').pop()!;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const join = (await kubeadm(r.cp0!, ['token', 'create', '--print-join-command', '--certificate-key', key])).stdout.trim().split(/\s+/).slice(1);
    expect(join).toContain('--control-plane');
    await new Promise((res) => setTimeout(res, 2200)); // TTL 1s, expiration rounded up to the second
    const late = await kubeadm(r.cp2!, [...join, '--node-name', 'cp2', '--apiserver-advertise-address', ip.cp2, '--apiserver-bind-port', String(port)],
      { KUBEADM_STANDIN_APISERVER_BIND_ADDRESS: ip.cp2 });
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('error execution phase control-plane-prepare/download-certs: error downloading certs: error downloading the secret: Secret "kubeadm-certs" was not found in the "kube-system" Namespace. This Secret might have expired.');
    const wrongKey = await kubeadm(r.cp0!, ['init', 'phase', 'upload-certs', '--upload-certs']);
    expect(wrongKey.code).toBe(0);
    const bad = await kubeadm(r.cp2!, [...join.slice(0, -1), 'f'.repeat(64), '--node-name', 'cp2', '--apiserver-advertise-address', ip.cp2,
      '--apiserver-bind-port', String(port)], { KUBEADM_STANDIN_APISERVER_BIND_ADDRESS: ip.cp2 });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cipher: message authentication failed');
  }, 60000);
});

describe('kubeadm stand-in: stacked etcd', () => {
  it('starts a real etcd on the first control plane and adds the joining one as a member', async () => {
    const [port, client, peer] = [await freePort(), await freePort(), await freePort()];
    const lb = `127.0.12.200:${await freePort()}`;
    const e = { STANDIN_ETCD_CLIENT_PORT: String(client), STANDIN_ETCD_PEER_PORT: String(peer) };
    const [a, b, lbRoot] = [node('s0'), node('s1'), node('slb')];
    await startHaproxy(lbRoot, lb, [`127.0.12.21:${port}`, `127.0.12.22:${port}`]);
    const init = await kubeadm(a, ['init', '--control-plane-endpoint', lb, '--apiserver-advertise-address', '127.0.12.21',
      '--apiserver-bind-port', String(port), '--node-name', 's0', '--upload-certs'], { ...e, KUBEADM_STANDIN_APISERVER_BIND_ADDRESS: '127.0.12.21' });
    expect(init.code, init.stdout + init.stderr).toBe(0);
    expect(fs.existsSync(path.join(a, 'var/lib/etcd/member'))).toBe(true);
    const join = await kubeadm(b, [...joinArgs(init.stdout, true), '--node-name', 's1', '--apiserver-advertise-address', '127.0.12.22',
      '--apiserver-bind-port', String(port)], { ...e, KUBEADM_STANDIN_APISERVER_BIND_ADDRESS: '127.0.12.22' });
    expect(join.code, join.stdout + join.stderr).toBe(0);
    expect(join.stdout).toContain('A new etcd member was added to the local/stacked etcd cluster.');
    const pki = path.join(a, 'etc/kubernetes/pki');
    const members = await run('/usr/bin/etcdctl', ['--endpoints', `https://127.0.12.21:${client}`, '--cacert', path.join(pki, 'etcd/ca.crt'),
      '--cert', path.join(pki, 'apiserver-etcd-client.crt'), '--key', path.join(pki, 'apiserver-etcd-client.key'), 'member', 'list'], { ETCDCTL_API: '3' });
    expect(members.stdout).toMatch(/started, s0/);
    expect(members.stdout).toMatch(/started, s1/);
    const pods = await kubectl(path.join(b, 'etc/kubernetes/admin.conf'), ['get', 'pods', '-n', 'kube-system', '-l', 'component=etcd']);
    expect(pods.stdout).toMatch(/etcd-s0\s+1\/1\s+Running/);
    // reset removes the member from etcd and stops the node's processes.
    const reset = await kubeadm(b, ['reset', '-f'], e);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('[reset] Removing member from the etcd cluster');
    const after = await run('/usr/bin/etcdctl', ['--endpoints', `https://127.0.12.21:${client}`, '--cacert', path.join(pki, 'etcd/ca.crt'),
      '--cert', path.join(pki, 'apiserver-etcd-client.crt'), '--key', path.join(pki, 'apiserver-etcd-client.key'), 'member', 'list'], { ETCDCTL_API: '3' });
    expect(after.stdout).not.toMatch(/s1/);
    expect(fs.existsSync(path.join(b, 'etc/kubernetes/pki'))).toBe(false);
  }, 90000);
});
