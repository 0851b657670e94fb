/**
 * The k3s launcher on this machine's loopback addresses 127.0.11.x with kernel-chosen ports: REAL etcd
 * 3.6 (external, TLS, and the embedded one), REAL HAProxy, REAL kubectl, and the REAL kube-apiserver,
 * controller-manager and scheduler behind the supervisor. Servers run with --disable-agent here: a
 * kubelet and containerd belong on a test host (test/e2e/ssh-k3s*.test.ts run them), not on the
 * machine running vitest. Every path the launcher writes is under a temp STANDIN_ROOT per node.
 */
import fs from 'node:fs';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingControlPlaneBinaries } from '../../helpers/kube-binaries.js';
import {
  K3S,
  KUBECTL as KUBECTL_BIN,
  cleanup,
  daemon,
  etcdctl,
  exited,
  freePort,
  kubectl,
  place,
  removeRoots,
  repointKubeconfig,
  run,
  startEtcd,
  startHaproxy,
  tmpDir,
  waitFor,
} from './testkit.js';

const VERSION = 'v1.37.2+k3s1';
const env = (root: string, extra: NodeJS.ProcessEnv = {}) => ({
  STANDIN_ROOT: root,
  K3S_STANDIN_VERSION: VERSION,
  STANDIN_DATASTORE_TIMEOUT_SECONDS: '2',
  K3S_STANDIN_RETRY_SECONDS: '1',
  ...extra,
});
const missing = missingControlPlaneBinaries().filter((m) => !m.includes('kwok'));
const START_MS = 120_000; // a real apiserver on two shared cores, while other e2e files start theirs
const status = (root: string, cmd: string) => {
  try {
    return fs.readFileSync(path.join(root, `var/lib/rancher/k3s-standin/${cmd}.status`), 'utf8').trim();
  } catch {
    return '';
  }
};

afterAll(() => {
  cleanup();
  removeRoots();
});

describe('k3s launcher: command line', () => {
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

describe.skipIf(missing.length > 0)('k3s launcher: two servers on an external etcd behind HAProxy', () => {
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  const port: Record<string, number> = {};
  let lbPort: number;
  const roots: Record<string, string> = {};
  const ip = { cp0: '127.0.11.1', cp1: '127.0.11.2', bad: '127.0.11.3', w0: '127.0.11.10', lb: '127.0.11.100' };

  /** Copy the etcd client TLS files into a node's root, as ksctl would upload them. */
  const datastoreArgs = (root: string, { key = etcd.certs.clientKey, cert = etcd.certs.clientCert } = {}) => [
    '--datastore-endpoint',
    etcd.endpoint,
    '--datastore-cafile',
    place(root, '/etc/ksctl/etcd/ca.crt', etcd.certs.ca),
    '--datastore-certfile',
    place(root, '/etc/ksctl/etcd/client.crt', cert),
    '--datastore-keyfile',
    place(root, '/etc/ksctl/etcd/client.key', key),
  ];
  // Each server's apiserver listens on 127.0.0.1:<port + 1>, as in k3s: the servers here share one
  // loopback, so each gets its own port pair.
  const serverArgs = (name: 'cp0' | 'cp1' | 'bad') => [
    '--node-name',
    name,
    '--node-ip',
    ip[name],
    '--bind-address',
    ip[name],
    '--https-listen-port',
    String(port[name]),
    '--tls-san',
    ip.lb,
    '--write-kubeconfig-mode',
    '644',
    '--disable-agent',
  ];
  const lbKubeconfig = () =>
    repointKubeconfig(
      path.join(roots.cp0!, 'etc/rancher/k3s/k3s.yaml'),
      path.join(roots.lb!, 'kubeconfig'),
      `https://${ip.lb}:${lbPort}`,
    );

  beforeAll(async () => {
    etcd = await startEtcd(tmpDir('k3s-etcd'));
    for (const n of ['cp0', 'cp1', 'bad']) port[n] = await freePort();
    lbPort = await freePort();
    for (const n of ['cp0', 'cp1', 'bad', 'w0', 'lb']) roots[n] = tmpDir(`k3s-${n}`);
    await startHaproxy(roots.lb!, `${ip.lb}:${lbPort}`, [`${ip.cp0}:${port.cp0}`, `${ip.cp1}:${port.cp1}`]);
  }, 60000);

  it('refuses to start when the datastore TLS files are missing or not trusted by etcd', async () => {
    const root = tmpDir('k3s-badtls');
    const missingCa = await run(
      'node',
      [
        K3S,
        'server',
        '--token',
        'x',
        '--datastore-endpoint',
        etcd.endpoint,
        '--datastore-cafile',
        '/etc/nope/ca.crt',
        ...serverArgs('bad'),
      ],
      env(root),
    );
    expect(missingCa.code).toBe(1);
    expect(missingCa.stderr).toContain(
      'level=fatal msg="starting kubernetes: preparing server: creating storage endpoint: building kine: open /etc/nope/ca.crt: no such file or directory"',
    );
    // A client certificate etcd does not trust (self-signed by another CA): etcd rejects the handshake.
    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    const { etcdCerts } = await import('./testkit.js');
    const foreign = etcdCerts(other, ['127.0.0.1']);
    const bad = await run(
      'node',
      [
        K3S,
        'server',
        '--token',
        'x',
        ...datastoreArgs(root, { cert: foreign.clientCert, key: foreign.clientKey }),
        ...serverArgs('bad'),
      ],
      env(root),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /level=fatal msg="starting kubernetes: preparing server: creating storage endpoint: building kine: failed to test data store connection: .*(certificate|alert)/,
    );
  }, 30000);

  it(
    'starts the first server: token, CA files, kubeconfig, and the real API server behind the supervisor',
    async () => {
      const root = roots.cp0!;
      daemon(
        'node',
        [K3S, 'server', '--token', 'ksctl-secret', ...datastoreArgs(root), ...serverArgs('cp0')],
        env(root),
        path.join(root, 'k3s.log'),
      );
      await waitFor(() => status(root, 'server') === 'ready', START_MS, 'cp0 ready');
      const token = fs.readFileSync(path.join(root, 'var/lib/rancher/k3s/server/token'), 'utf8').trim();
      expect(token).toMatch(/^K10[0-9a-f]{64}::server:ksctl-secret$/);
      for (const f of [
        'server-ca.crt',
        'server-ca.key',
        'client-ca.crt',
        'client-ca.key',
        'request-header-ca.crt',
        'service.key',
        'serving-kube-apiserver.crt',
        'client-admin.crt',
        'client-auth-proxy.crt',
      ]) {
        expect(fs.existsSync(path.join(root, 'var/lib/rancher/k3s/server/tls', f)), f).toBe(true);
      }
      const kc = path.join(root, 'etc/rancher/k3s/k3s.yaml');
      expect(fs.statSync(kc).mode & 0o777).toBe(0o644);
      const text = fs.readFileSync(kc, 'utf8');
      expect(text).toContain(`server: https://${ip.cp0}:${port.cp0}`);
      expect(text).toContain('current-context: default');
      expect(text).toContain('client-certificate-data:');
      // The API behind :<port> is the real kube-apiserver; the admin identity reaches it through the supervisor's proxy.
      const version = await kubectl(kc, ['version', '-o', 'json']);
      expect(version.code, version.stderr).toBe(0);
      expect(JSON.parse(version.stdout).serverVersion.gitVersion).toBe('v1.37.2');
      const who = await kubectl(kc, [
        'auth',
        'whoami',
        '-o',
        'jsonpath={.status.userInfo.username} {.status.userInfo.groups}',
      ]);
      expect(who.stdout).toBe('system:admin ["system:masters","system:authenticated"]');
    },
    START_MS + 20000,
  );

  it(
    'joins a second server with the token and refuses one with a wrong token',
    async () => {
      const token = fs.readFileSync(path.join(roots.cp0!, 'var/lib/rancher/k3s/server/token'), 'utf8').trim();
      const root = roots.cp1!;
      daemon(
        'node',
        [K3S, 'server', '--token', token, ...datastoreArgs(root), ...serverArgs('cp1')],
        env(root),
        path.join(root, 'k3s.log'),
      );
      await waitFor(() => status(root, 'server') === 'ready', START_MS, 'cp1 ready');
      // Same CAs and service-account key as cp0: the bootstrap data came from the datastore, decrypted with the token.
      const tls = (r: string, f: string) => fs.readFileSync(path.join(r, 'var/lib/rancher/k3s/server/tls', f), 'utf8');
      for (const f of ['server-ca.crt', 'client-ca.crt', 'service.key'])
        expect(tls(root, f), f).toBe(tls(roots.cp0!, f));

      const bad = await run(
        'node',
        [K3S, 'server', '--token', 'not-the-token', ...datastoreArgs(roots.bad!), ...serverArgs('bad')],
        env(roots.bad!),
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('bootstrap data already found and encrypted with different token');
    },
    START_MS + 20000,
  );

  it('serves the supervisor endpoints through the load balancer: CA, and node certificates only for the token', async () => {
    const token = fs.readFileSync(path.join(roots.cp0!, 'var/lib/rancher/k3s/server/token'), 'utf8').trim();
    const password = token.split(':').at(-1)!;
    const ca = fs.readFileSync(path.join(roots.cp0!, 'var/lib/rancher/k3s/server/tls/server-ca.crt'), 'utf8');
    const url = (p: string) => `https://${ip.lb}:${lbPort}${p}`;
    const curl = async (p: string, auth?: string) =>
      run('curl', [
        '-s',
        '-o',
        '-',
        '-w',
        '\n%{http_code}',
        '--cacert',
        path.join(roots.cp0!, 'var/lib/rancher/k3s/server/tls/server-ca.crt'),
        '-H',
        'k3s-Node-Name: w0',
        '-H',
        `k3s-Node-IP: ${ip.w0}`,
        ...(auth ? ['-u', auth] : []),
        url(p),
      ]);
    const cacerts = await curl('/cacerts');
    expect(cacerts.stdout.trim().split('\n').at(-1)).toBe('200');
    expect(cacerts.stdout).toContain(ca.trim());
    expect((await curl('/v1-k3s/client-kubelet.crt', 'node:wrong')).stdout.trim().split('\n').at(-1)).toBe('401');
    const bundle = await curl('/v1-k3s/client-kubelet.crt', `node:${password}`);
    expect(bundle.stdout.trim().split('\n').at(-1)).toBe('200');
    const leaf = new X509Certificate(bundle.stdout.slice(0, bundle.stdout.indexOf('-----END CERTIFICATE-----') + 25));
    expect(leaf.subject).toBe('O=system:nodes\nCN=system:node:w0');
    expect(
      leaf.verify(
        new X509Certificate(fs.readFileSync(path.join(roots.cp0!, 'var/lib/rancher/k3s/server/tls/client-ca.crt')))
          .publicKey,
      ),
    ).toBe(true);
    // That certificate is a node identity for the real apiserver (Node authorizer), through the proxy.
    const dir = tmpDir('k3s-nodecert');
    const pem = bundle.stdout.slice(0, bundle.stdout.lastIndexOf('\n'));
    fs.writeFileSync(path.join(dir, 'node.pem'), pem);
    const who = await run(KUBECTL_BIN, [
      '--server',
      url(''),
      '--certificate-authority',
      path.join(roots.cp0!, 'var/lib/rancher/k3s/server/tls/server-ca.crt'),
      '--client-certificate',
      path.join(dir, 'node.pem'),
      '--client-key',
      path.join(dir, 'node.pem'),
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username} {.status.userInfo.groups}',
    ]);
    expect(who.stdout, who.stderr).toBe('system:node:w0 ["system:nodes","system:authenticated"]');
  }, 30000);

  it('passes bearer tokens through: a service account token authenticates as that account', async () => {
    const kc = lbKubeconfig();
    await waitFor(
      async () => (await kubectl(kc, ['get', 'serviceaccount', 'default'])).code === 0,
      60000,
      'default service account',
    );
    const token = await kubectl(kc, ['create', 'token', 'default']);
    expect(token.code, token.stderr).toBe(0);
    const who = await run(KUBECTL_BIN, [
      '--server',
      `https://${ip.lb}:${lbPort}`,
      '--certificate-authority',
      path.join(roots.cp0!, 'var/lib/rancher/k3s/server/tls/server-ca.crt'),
      '--token',
      token.stdout.trim(),
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    expect(who.stdout, who.stderr).toBe('system:serviceaccount:default:default');
  }, 90000);

  it('keeps an agent with a wrong token retrying, never ready, as k3s does', async () => {
    const root = roots.w0!;
    const child = daemon(
      'node',
      [
        K3S,
        'agent',
        '--server',
        `https://${ip.lb}:${lbPort}`,
        '--token',
        'wrong',
        '--node-name',
        'w0',
        '--node-ip',
        ip.w0,
      ],
      env(root),
      path.join(root, 'k3s.log'),
    );
    await waitFor(
      () => /token is not valid: .*401 Unauthorized/.test(fs.readFileSync(path.join(root, 'k3s.log'), 'utf8')),
      20000,
      'agent 401',
    );
    expect(status(root, 'agent')).toMatch(/^starting: Failed to validate connection to cluster/);
    child.kill('SIGKILL');
  }, 30000);

  it('runs kubectl as `k3s kubectl` with the written kubeconfig', async () => {
    const r = await run('node', [K3S, 'kubectl', 'get', 'ns', 'kube-system', '-o', 'name'], env(roots.cp1!));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('namespace/kube-system');
  }, 20000);

  it('fails as a whole when one of its components dies, as k3s does', async () => {
    const pid = Number(
      fs.readFileSync(path.join(roots.cp1!, 'var/lib/rancher/k3s-standin/server-kube-apiserver.pid'), 'utf8'),
    );
    process.kill(pid, 'SIGKILL');
    await waitFor(
      () => /level=fatal msg="kube-apiserver exited/.test(fs.readFileSync(path.join(roots.cp1!, 'k3s.log'), 'utf8')),
      20000,
      'cp1 fatal',
    );
    // install.sh, standing in for systemd, reads this: the unit failed.
    expect(status(roots.cp1!, 'server')).toBe('failed: kube-apiserver exited (SIGKILL)');
    // The other server still answers through the load balancer.
    await waitFor(
      async () => (await kubectl(lbKubeconfig(), ['get', '--raw=/readyz'])).stdout === 'ok',
      20000,
      'readyz via cp0',
    );
  }, 40000);
});

describe.skipIf(missing.length > 0)('k3s launcher: embedded etcd (--cluster-init) and joining with --server', () => {
  // The running first server of the test below, for the restore onto a fresh server after it.
  let first: { root: string; env: NodeJS.ProcessEnv; port: number; etcdClient: number } | undefined;
  it(
    'starts a real etcd, grows it with a joining server, and refuses a wrong token',
    async () => {
      const [p0, p1, p2, etcdClient, etcdPeer] = [
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
      ];
      const e = { STANDIN_ETCD_CLIENT_PORT: String(etcdClient), STANDIN_ETCD_PEER_PORT: String(etcdPeer) };
      const [r0, r1, r2] = [tmpDir('k3s-e0'), tmpDir('k3s-e1'), tmpDir('k3s-e2')];
      const args = (n: number, port: number) => [
        '--node-name',
        `ecp${n}`,
        '--node-ip',
        `127.0.11.2${n}`,
        '--bind-address',
        `127.0.11.2${n}`,
        '--https-listen-port',
        String(port),
        '--disable-agent',
      ];
      // The first server takes its settings from /etc/rancher/k3s/config.yaml (keys = flag names).
      fs.mkdirSync(path.join(r0, 'etc/rancher/k3s'), { recursive: true });
      fs.writeFileSync(
        path.join(r0, 'etc/rancher/k3s/config.yaml'),
        `cluster-init: true\ntoken: embedded-secret\nnode-name: ecp0\n` +
          `node-ip: 127.0.11.20\nbind-address: 127.0.11.20\nhttps-listen-port: ${p0}\ndisable-agent: true\ntls-san:\n  - 127.0.11.99\ndisable: [traefik, servicelb]\n`,
      );
      daemon('node', [K3S, 'server'], env(r0, e), path.join(r0, 'k3s.log'));
      await waitFor(() => status(r0, 'server') === 'ready', START_MS, 'ecp0 ready');
      const url = `https://127.0.11.20:${p0}`;
      const wrong = daemon(
        'node',
        [K3S, 'server', '--server', url, '--token', 'wrong', ...args(2, p2)],
        env(r2, e),
        path.join(r2, 'k3s.log'),
      );
      expect(await exited(wrong, 20000)).toBe(1);
      expect(fs.readFileSync(path.join(r2, 'k3s.log'), 'utf8')).toContain('/v1-k3s/server-bootstrap: 401 Unauthorized');

      daemon(
        'node',
        [K3S, 'server', '--server', url, '--token', 'embedded-secret', ...args(1, p1)],
        env(r1, e),
        path.join(r1, 'k3s.log'),
      );
      await waitFor(() => status(r1, 'server') === 'ready', START_MS, 'ecp1 ready');
      const tls = path.join(r0, 'var/lib/rancher/k3s/server/tls/etcd');
      const members = await run(etcdctl(), [
        '--endpoints',
        `https://127.0.11.20:${etcdClient}`,
        '--cacert',
        path.join(tls, 'server-ca.crt'),
        '--cert',
        path.join(tls, 'client.crt'),
        '--key',
        path.join(tls, 'client.key'),
        'member',
        'list',
      ]);
      expect(members.stdout).toMatch(/started, ecp0/);
      expect(members.stdout).toMatch(/started, ecp1/);
      // Both real apiservers store the cluster in that etcd: an object created through one is read through the other.
      const kc0 = path.join(r0, 'etc/rancher/k3s/k3s.yaml');
      const kc1 = path.join(r1, 'etc/rancher/k3s/k3s.yaml');
      expect((await kubectl(kc0, ['create', 'namespace', 'through-ecp0'])).code).toBe(0);
      expect((await kubectl(kc1, ['get', 'namespace', 'through-ecp0', '-o', 'name'])).stdout.trim()).toBe(
        'namespace/through-ecp0',
      );

      first = { root: r0, env: env(r0, e), port: p2, etcdClient };
    },
    3 * START_MS,
  );

  it(
    'restores a snapshot onto a FRESH server (--cluster-reset-restore-path) only with the token of its bootstrap data',
    async () => {
      if (!first) throw new Error('needs the embedded cluster of the test before');
      const src = first;
      // A snapshot of that cluster restored onto a FRESH server (no data of its own): only with the token
      // that encrypted the bootstrap data in it; then it holds the source's CAs.
      // Taken with the real etcdctl against the member's node address (the launcher's `etcd-snapshot save`
      // dials 127.0.0.1, where a member on a loopback node IP does not listen).
      const r3 = tmpDir('k3s-e3');
      const tls = path.join(src.root, 'var/lib/rancher/k3s/server/tls/etcd');
      const saved = await run(etcdctl(), [
        '--endpoints',
        `https://127.0.11.20:${src.etcdClient}`,
        '--cacert',
        path.join(tls, 'server-ca.crt'),
        '--cert',
        path.join(tls, 'client.crt'),
        '--key',
        path.join(tls, 'client.key'),
        'snapshot',
        'save',
        path.join(r3, 'old.db'),
      ]);
      expect(saved.code, saved.stderr).toBe(0);
      const reset = (token: string) =>
        run(
          'node',
          [
            K3S,
            'server',
            '--cluster-reset',
            '--cluster-reset-restore-path=/old.db',
            '--token',
            token,
            ...[
              '--node-name',
              'ecp3',
              '--node-ip',
              '127.0.11.23',
              '--bind-address',
              '127.0.11.23',
              '--https-listen-port',
              String(src.port),
              '--disable-agent',
            ],
          ],
          { ...src.env, STANDIN_ROOT: r3 },
        );
      const wrongReset = await reset('wrong');
      expect(wrongReset.code).toBe(1);
      expect(wrongReset.stderr + wrongReset.stdout).toContain(
        'bootstrap data already found and encrypted with different token',
      );
      const caFile = (root: string) => path.join(root, 'var/lib/rancher/k3s/server/tls/server-ca.crt');
      expect(fs.existsSync(caFile(r3))).toBe(false);
      const ok = await reset('embedded-secret');
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr + ok.stdout).toContain('Managed etcd cluster membership has been reset');
      expect(fs.readFileSync(caFile(r3), 'utf8')).toBe(fs.readFileSync(caFile(src.root), 'utf8'));
    },
    2 * START_MS,
  );
});

describe('k3s launcher: install.sh', () => {
  it.skipIf(missing.length > 0)(
    'installs the binary for INSTALL_K3S_VERSION, writes the unit and env file, and starts k3s',
    async () => {
      const root = tmpDir('k3s-install');
      const bin = path.join(root, 'usr/local/bin');
      const units = path.join(root, 'etc/systemd/system');
      const fakeBin = path.join(root, 'fakebin');
      fs.mkdirSync(fakeBin, { recursive: true });
      fs.writeFileSync(
        path.join(fakeBin, 'systemctl'),
        `#!/bin/sh\nexec node ${path.join(path.dirname(K3S), 'fake-systemctl.mjs')} "$@"\n`,
        { mode: 0o755 },
      );
      const [port, etcdClient, etcdPeer] = [await freePort(), await freePort(), await freePort()];
      const e = {
        STANDIN_ROOT: root,
        PATH: `${fakeBin}:${process.env.PATH}`,
        FAKE_SYSTEMD_DIR: units,
        INSTALL_K3S_BIN_DIR: bin,
        INSTALL_K3S_SYSTEMD_DIR: units,
        INSTALL_K3S_VERSION: 'v1.37.1+k3s1',
        K3S_TOKEN: 'install-secret',
        K3S_STANDIN_START_TIMEOUT: '150',
        STANDIN_ETCD_CLIENT_PORT: String(etcdClient),
        STANDIN_ETCD_PEER_PORT: String(etcdPeer),
        INSTALL_K3S_EXEC: `server --node-name inst0 --node-ip 127.0.11.30 --bind-address 127.0.11.30 --https-listen-port ${port} --disable traefik --disable-agent`,
      };
      fs.mkdirSync(path.join(root, 'systemd'), { recursive: true });
      const r = await run('sh', [path.join(path.dirname(K3S), 'install.sh')], e);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('[INFO]  Using v1.37.1+k3s1 as release');
      const unit = fs.readFileSync(path.join(units, 'k3s.service'), 'utf8');
      expect(unit).toMatch(/ExecStart=.*\/usr\/local\/bin\/k3s \\\n {4}server \\\n\t'--node-name' \\\n\t'inst0'/);
      const envFile = path.join(units, 'k3s.service.env');
      expect(fs.readFileSync(envFile, 'utf8')).toContain('K3S_TOKEN=install-secret');
      expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
      expect((await run(path.join(bin, 'k3s'), ['--version'])).stdout).toMatch(/^k3s version v1\.37\.1\+k3s1/);
      expect(fs.existsSync(path.join(bin, 'k3s-uninstall.sh'))).toBe(true);
      const ready = await kubectl(path.join(root, 'etc/rancher/k3s/k3s.yaml'), ['get', '--raw=/readyz']);
      expect(ready.stdout, ready.stderr).toBe('ok');

      // Re-running with nothing changed does not restart k3s, like the real installer.
      expect((await run('sh', [path.join(path.dirname(K3S), 'install.sh')], e)).stdout).toContain(
        'No change detected so skipping service start',
      );
      const un = await run('sh', [path.join(bin, 'k3s-uninstall.sh')], e);
      expect(un.code, un.stderr).toBe(0);
      expect(fs.existsSync(path.join(bin, 'k3s'))).toBe(false);
      expect(fs.existsSync(path.join(root, 'etc/rancher/k3s'))).toBe(false);
    },
    START_MS + 60000,
  );
  it('fails like systemctl when the server cannot start', async () => {
    const root = tmpDir('k3s-install-bad');
    const bin = path.join(root, 'usr/local/bin');
    const units = path.join(root, 'etc/systemd/system');
    const fakeBin = path.join(root, 'fakebin');
    fs.mkdirSync(fakeBin, { recursive: true });
    fs.writeFileSync(
      path.join(fakeBin, 'systemctl'),
      `#!/bin/sh\nexec node ${path.join(path.dirname(K3S), 'fake-systemctl.mjs')} "$@"\n`,
      { mode: 0o755 },
    );
    const r = await run(
      'sh',
      [
        path.join(path.dirname(K3S), 'install.sh'),
        'server',
        '--datastore-endpoint',
        'https://127.0.0.1:1',
        '--datastore-cafile',
        '/missing/ca.crt',
      ],
      {
        STANDIN_ROOT: root,
        PATH: `${fakeBin}:${process.env.PATH}`,
        FAKE_SYSTEMD_DIR: units,
        INSTALL_K3S_BIN_DIR: bin,
        INSTALL_K3S_SYSTEMD_DIR: units,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Job for k3s.service failed because the control process exited with error code.');
    expect(r.stderr).toContain('open /missing/ca.crt: no such file or directory');
  }, 30000);
});
