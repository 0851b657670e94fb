/**
 * The shared kube-apiserver stand-in: its small pure helpers, and the kube-apiserver executable
 * against a REAL etcd with TLS, driven by REAL kubectl (authentication, authorization, watch).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAll, stringify } from './yaml-lite.mjs';
import { labelMatcher, mergePatch } from './objects.mjs';
import { humanDuration } from './tables.mjs';
import { STANDINS, cleanup, daemon, etcdCerts, exited, freePort, kubectl, removeRoots, run, startEtcd, tmpDir, waitFor } from './testkit.js';
import type { WireDoc } from '../../helpers/wire.js';

afterAll(() => { cleanup(); removeRoots(); });

describe('yaml-lite', () => {
  it('reads kubeadm multi-document configs with nested maps, lists and flow sequences', () => {
    const [init, cluster] = parseAll(`apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration:
  name: cp0 # comment
  taints: []
---
kind: ClusterConfiguration
controlPlaneEndpoint: "10.0.0.5:6443"
etcd:
  external:
    endpoints:
    - https://10.0.0.2:2379
    - 'https://10.0.0.3:2379'
apiServer:
  certSANs: [10.0.0.5, lb.example]
  extraArgs:
  - name: bind-address
    value: 0.0.0.0
`) as Array<Record<string, WireDoc>>;
    expect(init?.nodeRegistration).toEqual({ name: 'cp0', taints: [] });
    expect(cluster?.etcd.external.endpoints).toEqual(['https://10.0.0.2:2379', 'https://10.0.0.3:2379']);
    expect(cluster?.apiServer.certSANs).toEqual(['10.0.0.5', 'lb.example']);
    expect(cluster?.apiServer.extraArgs).toEqual([{ name: 'bind-address', value: '0.0.0.0' }]);
  });

  it('writes kubeconfigs it (and kubectl) read back unchanged', () => {
    const kc = { apiVersion: 'v1', clusters: [{ cluster: { 'certificate-authority-data': 'QUJD', server: 'https://127.0.0.1:6443' }, name: 'default' }],
      contexts: [{ context: { cluster: 'default', user: 'default' }, name: 'default' }], 'current-context': 'default', kind: 'Config',
      preferences: {}, users: [{ name: 'default', user: { token: '0123' } }] };
    expect(parse(stringify(kc))).toEqual(kc);
  });
});

describe('object helpers', () => {
  it('applies merge patches like kubectl cordon/uncordon send them', () => {
    const node = { spec: { podCIDR: '10.42.0.0/24' } };
    const cordoned = mergePatch(node, { spec: { unschedulable: true } });
    expect(cordoned).toEqual({ spec: { podCIDR: '10.42.0.0/24', unschedulable: true } });
    expect(mergePatch(cordoned, { spec: { unschedulable: null } })).toEqual(node);
  });

  it.each([
    ['a=b', { a: 'b' }, true], ['a=b', { a: 'c' }, false], ['a!=b', { a: 'c' }, true], ['a', {}, false],
    ['!a', {}, true], ['a in (x,y)', { a: 'y' }, true], ['a=b,c', { a: 'b', c: '' }, true],
  ])('label selector %s on %j is %s', (sel, labels, want) => {
    expect(labelMatcher(sel)({ metadata: { labels } })).toBe(want);
  });

  it.each([[5_000, '5s'], [125_000, '2m5s'], [600_000, '10m'], [3 * 3600e3 + 60e3, '3h1m'], [50 * 3600e3, '2d2h']])(
    'prints AGE %d ms as %s', (ms, text) => expect(humanDuration(ms)).toBe(text));
});

describe('kube-apiserver stand-in process', () => {
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  let dir: string;
  let url: string;
  const kc = (name: string) => path.join(dir, `${name}.kubeconfig`);

  beforeAll(async () => {
    dir = tmpDir('kube-api');
    etcd = await startEtcd(path.join(dir, 'etcd'));
    // Cluster CA + serving cert + admin cert, made with openssl like any PKI tool would.
    const pki = etcdCerts(path.join(dir, 'pki'), ['127.0.13.1']);
    const foreign = etcdCerts(path.join(dir, 'foreign'), ['127.0.13.1']);
    const port = await freePort('127.0.13.1');
    url = `https://127.0.13.1:${port}`;
    daemon('node', [path.join(STANDINS, 'kube-api', 'kube-apiserver.mjs'), `--secure-port=${port}`, '--bind-address=127.0.13.1',
      '--advertise-address=127.0.13.1', `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.ca}`, `--etcd-servers=${etcd.endpoint}`, `--etcd-cafile=${etcd.certs.ca}`,
      `--etcd-certfile=${etcd.certs.clientCert}`, `--etcd-keyfile=${etcd.certs.clientKey}`, '--standin-version=v1.32.1'],
    { KUBE_STANDIN_NODE_MONITOR_GRACE_SECONDS: '2' }, path.join(dir, 'apiserver.log'));
    const b64 = (f: string) => fs.readFileSync(f).toString('base64');
    const write = (name: string, user: string) => fs.writeFileSync(kc(name), `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${url}", certificate-authority-data: ${b64(pki.ca)}}
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
users:
- name: u
  user: ${user}
`);
    // The etcd test PKI issues CN=etcd-client, so bind it to admin through a system:masters cert instead:
    const { execFileSync } = await import('node:child_process');
    const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: path.join(dir, 'pki'), stdio: 'pipe' });
    ossl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'admin.key']);
    ossl(['req', '-new', '-key', 'admin.key', '-subj', '/O=system:masters/CN=kubernetes-admin', '-out', 'admin.csr']);
    ossl(['x509', '-req', '-in', 'admin.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', 'admin.crt']);
    const p = (f: string) => path.join(dir, 'pki', f);
    write('admin', `{client-certificate-data: ${b64(p('admin.crt'))}, client-key-data: ${b64(p('admin.key'))}}`);
    write('plain', `{client-certificate-data: ${b64(pki.clientCert)}, client-key-data: ${b64(pki.clientKey)}}`);
    write('foreign', `{client-certificate-data: ${b64(foreign.clientCert)}, client-key-data: ${b64(foreign.clientKey)}}`);
    await waitFor(async () => (await kubectl(kc('admin'), ['get', '--raw', '/readyz'])).stdout === 'ok', 20000, 'apiserver ready');
  }, 60000);

  it('serves version and health to real kubectl', async () => {
    const v = await kubectl(kc('admin'), ['version', '-o', 'json']);
    expect(JSON.parse(v.stdout).serverVersion.gitVersion).toBe('v1.32.1');
    expect((await kubectl(kc('admin'), ['get', '--raw', '/healthz'])).stdout).toBe('ok');
  });

  it('answers 401 to certificates from another CA and 403 to users without rights', async () => {
    const foreign = await kubectl(kc('foreign'), ['get', 'nodes']);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('error: You must be logged in to the server');
    const plain = await kubectl(kc('plain'), ['get', 'nodes']);
    expect(plain.stderr).toContain('nodes is forbidden: User "etcd-client" cannot list resource "nodes"');
  });

  it('stores objects in etcd under /registry and supports kubectl create, label, wait and delete', async () => {
    const cm = await kubectl(kc('admin'), ['create', 'configmap', 'probe', '-n', 'default', '--from-literal=a=b', '--validate=false']);
    expect(cm.code, cm.stderr).toBe(0);
    const raw = await run('/usr/bin/etcdctl', ['--endpoints', etcd.endpoint, '--cacert', etcd.certs.ca, '--cert', etcd.certs.clientCert,
      '--key', etcd.certs.clientKey, 'get', '/registry/configmaps/default/probe', '--print-value-only'], { ETCDCTL_API: '3' });
    expect(JSON.parse(raw.stdout).data).toEqual({ a: 'b' });
    // kubectl 1.32 sends these typed creates as Kubernetes protobuf.
    expect((await kubectl(kc('admin'), ['create', 'namespace', 'apps'])).stdout).toContain('namespace/apps created');
    expect((await kubectl(kc('admin'), ['create', 'secret', 'generic', 's1', '-n', 'apps', '--from-literal=k=v'])).stdout).toContain('secret/s1 created');
    const secret = JSON.parse((await kubectl(kc('admin'), ['get', 'secret', 's1', '-n', 'apps', '-o', 'json'])).stdout);
    expect(secret).toMatchObject({ type: 'Opaque', data: { k: Buffer.from('v').toString('base64') } });
    const node = JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [
      { type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }] } });
    const created = await run('/usr/bin/kubectl', ['--kubeconfig', kc('admin'), 'create', '--validate=false', '-f', '-'], {}, node);
    expect(created.code, created.stderr).toBe(0);
    expect((await kubectl(kc('admin'), ['label', 'node', 'n1', 'zone=a'])).stdout).toContain('node/n1 labeled');
    expect((await kubectl(kc('admin'), ['get', 'nodes', '-l', 'zone=a', '-o', 'name'])).stdout.trim()).toBe('node/n1');
    // No kubelet posts status for n1: the node lifecycle controller turns it Unknown after the grace period.
    const wait = await kubectl(kc('admin'), ['wait', '--for=condition=Ready=Unknown', 'node/n1', '--timeout=20s']);
    expect(wait.code, wait.stderr).toBe(0);
    expect((await kubectl(kc('admin'), ['get', 'node', 'n1'])).stdout).toMatch(/n1\s+NotReady/);
    expect((await kubectl(kc('admin'), ['delete', 'node', 'n1'])).stdout).toContain('node "n1" deleted');
  }, 40000);

  it('serves OpenAPI v3 and API groups so real kubectl can apply a manifest with validation on', async () => {
    const manifest = (subnet: string, extra = '') => `apiVersion: v1
kind: Namespace
metadata:
  name: net
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: agent, namespace: net}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agent}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agent}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agent}
subjects:
- {kind: ServiceAccount, name: agent, namespace: net}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: net-cfg, namespace: net}
data:
  net-conf.json: '{"Network": "${subnet}"}'
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: net}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      serviceAccountName: agent
      containers:
      - {name: agent, image: example.invalid/agent:v1}
${extra}`;
    const apply = (text: string) => run('/usr/bin/kubectl', ['--kubeconfig', kc('admin'), 'apply', '-f', '-'], {}, text);
    const first = await apply(manifest('10.244.0.0/16'));
    expect(first.code, first.stderr).toBe(0);
    for (const o of ['namespace/net', 'serviceaccount/agent', 'clusterrole.rbac.authorization.k8s.io/agent',
      'clusterrolebinding.rbac.authorization.k8s.io/agent', 'configmap/net-cfg', 'daemonset.apps/agent']) expect(first.stdout).toContain(`${o} created`);
    expect(first.stderr).toBe('');
    const again = await apply(manifest('10.244.0.0/16'));
    expect(again.stdout).toContain('configmap/net-cfg unchanged');
    expect(again.stdout).toContain('daemonset.apps/agent unchanged');
    const changed = await apply(manifest('10.10.0.0/16'));
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('configmap/net-cfg configured');
    const cm = JSON.parse((await kubectl(kc('admin'), ['get', 'cm', 'net-cfg', '-n', 'net', '-o', 'json'])).stdout);
    expect(cm.data['net-conf.json']).toContain('10.10.0.0/16');
    expect(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('10.10.0.0/16');
    const ds = await kubectl(kc('admin'), ['get', 'ds', '-n', 'net']);
    expect(ds.stdout).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\nagent\s+0\s+0/);
    expect(JSON.parse((await kubectl(kc('admin'), ['get', 'ds', 'agent', '-n', 'net', '-o', 'json'])).stdout)).toMatchObject({
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { generation: 1 } });
    // Validation happens: the server refuses unknown fields (kubectl sent fieldValidation=Strict).
    const bad = await apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad, namespace: net}\ndata: {a: b}\nbogus: 1\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
    expect((await kubectl(kc('admin'), ['delete', 'ns', 'net'])).code).toBe(0);
  }, 40000);

  it('exits 1 when etcd refuses its client certificate', async () => {
    const child = daemon('node', [path.join(STANDINS, 'kube-api', 'kube-apiserver.mjs'), `--secure-port=${await freePort()}`,
      '--bind-address=127.0.13.1', `--tls-cert-file=${etcd.certs.serverCert}`, `--tls-private-key-file=${etcd.certs.serverKey}`,
      `--client-ca-file=${etcd.certs.ca}`, `--etcd-servers=${etcd.endpoint}`, `--etcd-cafile=${etcd.certs.ca}`],
    { STANDIN_DATASTORE_TIMEOUT_SECONDS: '1' }, path.join(dir, 'bad.log'));
    expect(await exited(child, 15000)).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'bad.log'), 'utf8')).toContain('Unable to create storage backend');
  }, 20000);
});
