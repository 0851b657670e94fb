/**
 * The k3s stand-in against REAL etcd (external, TLS), REAL HAProxy and REAL kubectl, on loopback
 * addresses 127.0.11.x with kernel-chosen ports. Every path the stand-in writes is under a temp
 * STANDIN_ROOT per node.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { K3S, cleanup, daemon, exited, freePort, kubectl, place, removeRoots, repointKubeconfig, run, startEtcd, startHaproxy, tmpDir, waitFor } from '../kube-api/testkit.js';

const VERSION = 'v1.31.7+k3s1';
const env = (root: string, extra: NodeJS.ProcessEnv = {}) => ({ STANDIN_ROOT: root, K3S_STANDIN_VERSION: VERSION,
  STANDIN_DATASTORE_TIMEOUT_SECONDS: '2', KUBE_STANDIN_HEARTBEAT_SECONDS: '1', KUBE_STANDIN_NODE_MONITOR_GRACE_SECONDS: '4',
  K3S_STANDIN_RETRY_SECONDS: '1', ...extra });
const status = (root: string, cmd: string) => {
  try { return fs.readFileSync(path.join(root, `var/lib/rancher/k3s-standin/${cmd}.status`), 'utf8').trim(); } catch { return ''; }
};

afterAll(() => { cleanup(); removeRoots(); });

describe('k3s stand-in: command line', () => {
  it('prints its version like k3s', async () => {
    const r = await run('node', [K3S, '--version'], { K3S_STANDIN_VERSION: 'v1.30.2+k3s2' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^k3s version v1\.30\.2\+k3s2 \([0-9a-f]{8}\)\ngo version go\d/);
  });

  it('rejects an undefined flag the way urfave/cli does', async () => {
    const r = await run('node', [K3S, 'server', '--no-such-flag'], { STANDIN_ROOT: tmpDir('k3s-flag') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Incorrect Usage: flag provided but not defined: -no-such-flag');
    expect(r.stderr).toMatch(/level=fatal msg="flag provided but not defined: -no-such-flag"/);
  });
});

describe('k3s stand-in: HA with an external etcd behind HAProxy', () => {
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  let port: number;
  let lbPort: number;
  const roots: Record<string, string> = {};
  const ip = { cp0: '127.0.11.1', cp1: '127.0.11.2', bad: '127.0.11.3', w0: '127.0.11.10', lb: '127.0.11.100' };

  /** Copy the etcd client TLS files into a node's root, as ksctl would upload them. */
  const datastoreArgs = (root: string, { key = etcd.certs.clientKey, cert = etcd.certs.clientCert } = {}) => [
    '--datastore-endpoint', etcd.endpoint,
    '--datastore-cafile', place(root, '/etc/ksctl/etcd/ca.crt', etcd.certs.ca),
    '--datastore-certfile', place(root, '/etc/ksctl/etcd/client.crt', cert),
    '--datastore-keyfile', place(root, '/etc/ksctl/etcd/client.key', key)];
  const serverArgs = (name: 'cp0' | 'cp1' | 'bad') => ['--node-name', name, '--node-ip', ip[name], '--bind-address', ip[name],
    '--https-listen-port', String(port), '--tls-san', ip.lb, '--write-kubeconfig-mode', '644'];

  beforeAll(async () => {
    etcd = await startEtcd(tmpDir('k3s-etcd'));
    port = await freePort();
    lbPort = await freePort();
    for (const n of ['cp0', 'cp1', 'bad', 'w0', 'lb']) roots[n] = tmpDir(`k3s-${n}`);
    await startHaproxy(roots.lb!, `${ip.lb}:${lbPort}`, [`${ip.cp0}:${port}`, `${ip.cp1}:${port}`]);
  }, 60000);

  it('refuses to start when the datastore TLS files are missing or not trusted by etcd', async () => {
    const root = tmpDir('k3s-badtls');
    const missing = await run('node', [K3S, 'server', '--token', 'x', '--datastore-endpoint', etcd.endpoint,
      '--datastore-cafile', '/etc/nope/ca.crt', ...serverArgs('bad')], env(root));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('level=fatal msg="starting kubernetes: preparing server: creating storage endpoint: building kine: open /etc/nope/ca.crt: no such file or directory"');
    // A client certificate etcd does not trust (self-signed by another CA): etcd rejects the handshake.
    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    const { etcdCerts } = await import('../kube-api/testkit.js');
    const foreign = etcdCerts(other, ['127.0.0.1']);
    const bad = await run('node', [K3S, 'server', '--token', 'x', ...datastoreArgs(root, { cert: foreign.clientCert, key: foreign.clientKey }),
      ...serverArgs('bad')], env(root));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/level=fatal msg="starting kubernetes: preparing server: creating storage endpoint: building kine: failed to test data store connection: .*(certificate|alert)/);
  }, 30000);

  it('starts the first server, writes token, CA files and kubeconfig, and registers itself', async () => {
    const root = roots.cp0!;
    daemon('node', [K3S, 'server', '--token', 'ksctl-secret', ...datastoreArgs(root), ...serverArgs('cp0')], env(root), path.join(root, 'k3s.log'));
    await waitFor(() => status(root, 'server') === 'ready', 30000, 'cp0 ready');
    const token = fs.readFileSync(path.join(root, 'var/lib/rancher/k3s/server/token'), 'utf8').trim();
    expect(token).toMatch(/^K10[0-9a-f]{64}::server:ksctl-secret$/);
    for (const f of ['server-ca.crt', 'server-ca.key', 'client-ca.crt', 'client-ca.key']) {
      expect(fs.existsSync(path.join(root, 'var/lib/rancher/k3s/server/tls', f))).toBe(true);
    }
    const kc = path.join(root, 'etc/rancher/k3s/k3s.yaml');
    expect(fs.statSync(kc).mode & 0o777).toBe(0o644);
    const text = fs.readFileSync(kc, 'utf8');
    expect(text).toContain(`server: https://${ip.cp0}:${port}`);
    expect(text).toContain('current-context: default');
    expect(text).toContain('client-certificate-data:');
  }, 40000);

  it('joins a second server with the token and refuses one with a wrong token', async () => {
    const token = fs.readFileSync(path.join(roots.cp0!, 'var/lib/rancher/k3s/server/token'), 'utf8').trim();
    const root = roots.cp1!;
    daemon('node', [K3S, 'server', '--token', token, ...datastoreArgs(root), ...serverArgs('cp1')], env(root), path.join(root, 'k3s.log'));
    await waitFor(() => status(root, 'server') === 'ready', 30000, 'cp1 ready');
    // Same CA as cp0: the bootstrap data came from the datastore, decrypted with the token.
    const ca = (r: string) => fs.readFileSync(path.join(r, 'var/lib/rancher/k3s/server/tls/server-ca.crt'), 'utf8');
    expect(ca(root)).toBe(ca(roots.cp0!));

    const bad = await run('node', [K3S, 'server', '--token', 'not-the-token', ...datastoreArgs(roots.bad!), ...serverArgs('bad')], env(roots.bad!));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bootstrap data already found and encrypted with different token');
  }, 40000);

  it('registers an agent that validated its token through the load balancer', async () => {
    const token = fs.readFileSync(path.join(roots.cp0!, 'var/lib/rancher/k3s/server/token'), 'utf8').trim();
    const root = roots.w0!;
    daemon('node', [K3S, 'agent', '--server', `https://${ip.lb}:${lbPort}`, '--token', token, '--node-name', 'w0', '--node-ip', ip.w0],
      env(root), path.join(root, 'k3s.log'));
    await waitFor(() => status(root, 'agent') === 'ready', 30000, 'agent ready');
    expect(fs.existsSync(path.join(root, 'var/lib/rancher/k3s/agent/client-kubelet.crt'))).toBe(true);
  }, 40000);

  it('lets real kubectl list, cordon, drain and delete nodes through the load balancer', async () => {
    const kc = repointKubeconfig(path.join(roots.cp0!, 'etc/rancher/k3s/k3s.yaml'), path.join(roots.lb!, 'kubeconfig'), `https://${ip.lb}:${lbPort}`);
    const version = await kubectl(kc, ['version', '-o', 'json']);
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toBe(VERSION);
    const list = await kubectl(kc, ['get', 'nodes', '-o', 'json']);
    expect(list.code, list.stderr).toBe(0);
    const nodes = JSON.parse(list.stdout).items as Array<{ metadata: { name: string; labels: Record<string, string> }; status: { nodeInfo: { kubeletVersion: string }; conditions: Array<{ type: string; status: string }>; addresses: Array<{ type: string; address: string }> } }>;
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(['cp0', 'cp1', 'w0']);
    for (const n of nodes) {
      expect(n.status.nodeInfo.kubeletVersion).toBe(VERSION);
      expect(n.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(n.metadata.labels['node-role.kubernetes.io/control-plane'] === 'true').toBe(n.metadata.name !== 'w0');
    }
    expect(nodes.find((n) => n.metadata.name === 'w0')?.status.addresses[0]?.address).toBe(ip.w0);
    const wide = await kubectl(kc, ['get', 'nodes', '-o', 'wide']);
    expect(wide.stdout).toMatch(/cp0\s+Ready\s+control-plane,master\s+\S+\s+v1\.31\.7\+k3s1\s+127\.0\.11\.1/);

    expect((await kubectl(kc, ['cordon', 'w0'])).stdout).toContain('node/w0 cordoned');
    const drain = await kubectl(kc, ['drain', 'w0', '--ignore-daemonsets', '--delete-emptydir-data', '--force']);
    expect(drain.code, drain.stderr).toBe(0);
    expect(drain.stdout).toContain('node/w0 drained');
    expect((await kubectl(kc, ['get', 'node', 'w0'])).stdout).toMatch(/w0\s+Ready,SchedulingDisabled/);
    expect((await kubectl(kc, ['delete', 'node', 'w0'])).stdout).toContain('node "w0" deleted');
    const after = JSON.parse((await kubectl(kc, ['get', 'nodes', '-o', 'json'])).stdout).items.map((n: { metadata: { name: string } }) => n.metadata.name);
    expect(after.sort()).toEqual(['cp0', 'cp1']);
    expect((await kubectl(kc, ['get', 'pods', '-A'])).stderr).toContain('No resources found');
    expect((await kubectl(kc, ['get', 'ns'])).stdout).toMatch(/kube-system\s+Active/);
  }, 60000);

  it('runs kubectl as `k3s kubectl` with the written kubeconfig', async () => {
    const r = await run('node', [K3S, 'kubectl', 'get', 'nodes', '-o', 'name'], env(roots.cp1!));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['node/cp0', 'node/cp1']);
  }, 20000);

  it('marks a node NotReady once its k3s stops posting status', async () => {
    const kc = path.join(roots.cp0!, 'etc/rancher/k3s/k3s.yaml');
    const pid = Number(fs.readFileSync(path.join(roots.cp1!, 'var/lib/rancher/k3s-standin/server.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => /cp1\s+NotReady/.test((await kubectl(kc, ['get', 'nodes'])).stdout), 20000, 'cp1 NotReady');
  }, 30000);
});

describe('k3s stand-in: embedded etcd (--cluster-init) and joining with --server', () => {
  it('starts a real etcd, grows it with a joining server, and refuses a wrong token', async () => {
    const [port, etcdClient, etcdPeer] = [await freePort(), await freePort(), await freePort()];
    const e = { STANDIN_ETCD_CLIENT_PORT: String(etcdClient), STANDIN_ETCD_PEER_PORT: String(etcdPeer) };
    const [r0, r1, r2] = [tmpDir('k3s-e0'), tmpDir('k3s-e1'), tmpDir('k3s-e2')];
    const args = (n: number) => ['--node-name', `ecp${n}`, '--node-ip', `127.0.11.2${n}`, '--bind-address', `127.0.11.2${n}`, '--https-listen-port', String(port)];
    // The first server takes its settings from /etc/rancher/k3s/config.yaml (keys = flag names).
    fs.mkdirSync(path.join(r0, 'etc/rancher/k3s'), { recursive: true });
    fs.writeFileSync(path.join(r0, 'etc/rancher/k3s/config.yaml'), `cluster-init: true\ntoken: embedded-secret\nnode-name: ecp0\n`
      + `node-ip: 127.0.11.20\nbind-address: 127.0.11.20\nhttps-listen-port: ${port}\ntls-san:\n  - 127.0.11.99\ndisable: [traefik, servicelb]\n`);
    daemon('node', [K3S, 'server'], env(r0, e), path.join(r0, 'k3s.log'));
    await waitFor(() => status(r0, 'server') === 'ready', 40000, 'ecp0 ready');
    const url = `https://127.0.11.20:${port}`;
    const wrong = daemon('node', [K3S, 'server', '--server', url, '--token', 'wrong', ...args(2)], env(r2, e), path.join(r2, 'k3s.log'));
    expect(await exited(wrong, 20000)).toBe(1);
    expect(fs.readFileSync(path.join(r2, 'k3s.log'), 'utf8')).toContain('/v1-k3s/server-bootstrap: 401 Unauthorized');

    daemon('node', [K3S, 'server', '--server', url, '--token', 'embedded-secret', ...args(1)], env(r1, e), path.join(r1, 'k3s.log'));
    await waitFor(() => status(r1, 'server') === 'ready', 40000, 'ecp1 ready');
    const tls = path.join(r0, 'var/lib/rancher/k3s/server/tls/etcd');
    const members = await run('/usr/bin/etcdctl', ['--endpoints', `https://127.0.11.20:${etcdClient}`, '--cacert', path.join(tls, 'server-ca.crt'),
      '--cert', path.join(tls, 'client.crt'), '--key', path.join(tls, 'client.key'), 'member', 'list'], { ETCDCTL_API: '3' });
    expect(members.stdout).toMatch(/started, ecp0/);
    expect(members.stdout).toMatch(/started, ecp1/);
    const kc = path.join(r1, 'etc/rancher/k3s/k3s.yaml');
    const nodes = await kubectl(kc, ['get', 'nodes']);
    expect(nodes.stdout).toMatch(/ecp0\s+Ready\s+control-plane,etcd,master/);
    expect(nodes.stdout).toMatch(/ecp1\s+Ready\s+control-plane,etcd,master/);
  }, 90000);
});

describe('k3s stand-in: install.sh', () => {
  it('installs the binary for INSTALL_K3S_VERSION, writes the unit and env file, and starts k3s', async () => {
    const root = tmpDir('k3s-install');
    const bin = path.join(root, 'usr/local/bin');
    const units = path.join(root, 'etc/systemd/system');
    const fakeBin = path.join(root, 'fakebin');
    fs.mkdirSync(fakeBin, { recursive: true });
    fs.writeFileSync(path.join(fakeBin, 'systemctl'), `#!/bin/sh\nexec node ${path.join(path.dirname(K3S), 'fake-systemctl.mjs')} "$@"\n`, { mode: 0o755 });
    const port = await freePort();
    const e = { STANDIN_ROOT: root, PATH: `${fakeBin}:${process.env.PATH}`, FAKE_SYSTEMD_DIR: units, INSTALL_K3S_BIN_DIR: bin,
      INSTALL_K3S_SYSTEMD_DIR: units, INSTALL_K3S_VERSION: 'v1.30.9+k3s1', K3S_TOKEN: 'install-secret', K3S_STANDIN_START_TIMEOUT: '60',
      INSTALL_K3S_EXEC: `server --node-name inst0 --node-ip 127.0.11.30 --bind-address 127.0.11.30 --https-listen-port ${port} --disable traefik` };
    fs.mkdirSync(path.join(root, 'systemd'), { recursive: true });
    const r = await run('sh', [path.join(path.dirname(K3S), 'install.sh')], e);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('[INFO]  Using v1.30.9+k3s1 as release');
    const unit = fs.readFileSync(path.join(units, 'k3s.service'), 'utf8');
    expect(unit).toMatch(/ExecStart=.*\/usr\/local\/bin\/k3s \\\n {4}server \\\n\t'--node-name' \\\n\t'inst0'/);
    const envFile = path.join(units, 'k3s.service.env');
    expect(fs.readFileSync(envFile, 'utf8')).toContain('K3S_TOKEN=install-secret');
    expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
    expect((await run(path.join(bin, 'k3s'), ['--version'])).stdout).toMatch(/^k3s version v1\.30\.9\+k3s1/);
    expect(fs.existsSync(path.join(bin, 'k3s-uninstall.sh'))).toBe(true);
    const nodes = await kubectl(path.join(root, 'etc/rancher/k3s/k3s.yaml'), ['get', 'nodes']);
    expect(nodes.stdout).toMatch(/inst0\s+Ready\s+control-plane,master\s+\S+\s+v1\.30\.9\+k3s1/);

    // Re-running with nothing changed does not restart k3s, like the real installer.
    expect((await run('sh', [path.join(path.dirname(K3S), 'install.sh')], e)).stdout).toContain('No change detected so skipping service start');
    const un = await run('sh', [path.join(bin, 'k3s-uninstall.sh')], e);
    expect(un.code, un.stderr).toBe(0);
    expect(fs.existsSync(path.join(bin, 'k3s'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'etc/rancher/k3s'))).toBe(false);
  }, 60000);

  it('fails like systemctl when the server cannot start', async () => {
    const root = tmpDir('k3s-install-bad');
    const bin = path.join(root, 'usr/local/bin');
    const units = path.join(root, 'etc/systemd/system');
    const fakeBin = path.join(root, 'fakebin');
    fs.mkdirSync(fakeBin, { recursive: true });
    fs.writeFileSync(path.join(fakeBin, 'systemctl'), `#!/bin/sh\nexec node ${path.join(path.dirname(K3S), 'fake-systemctl.mjs')} "$@"\n`, { mode: 0o755 });
    const r = await run('sh', [path.join(path.dirname(K3S), 'install.sh'), 'server', '--datastore-endpoint', 'https://127.0.0.1:1',
      '--datastore-cafile', '/missing/ca.crt'], { STANDIN_ROOT: root, PATH: `${fakeBin}:${process.env.PATH}`, FAKE_SYSTEMD_DIR: units,
      INSTALL_K3S_BIN_DIR: bin, INSTALL_K3S_SYSTEMD_DIR: units });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Job for k3s.service failed because the control process exited with error code.');
    expect(r.stderr).toContain('open /missing/ca.crt: no such file or directory');
  }, 30000);
});
