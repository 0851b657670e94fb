/**
 * External etcd from a mirror (`spec.etcd.release.baseUrl`) on real SSH test hosts: the test process
 * serves the upstream-layout tarball over HTTP on the hosts' bridge address, the generated member
 * script downloads it with curl, checks its SHA-256, installs etcd 3.6 beside the distribution's 3.4
 * (the hosts share this machine's /usr, where Debian's etcd-server lives) and starts a real
 * one-member cluster with ksctl's PKI. A wrong checksum must stop the install with a clear message.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEtcdPki } from '../../../src/distro/cluster-secrets.js';
import { etcdMemberScript, type Script } from '../../../src/distro/scripts/index.js';
import { startHosts, type TestHost, type TestHostSet } from '../../hosts/harness.js';
import { SUBNET } from '../../hosts/layout.js';
import { builtEtcd, builtEtcdReleaseSpec } from '../../helpers/etcd-release.js';
import { memorySecrets } from '../../fakes/memory-cluster.js';
import type { SecretStore } from '../../../src/state/types.js';

let set: TestHostSet;
let server: Server;
let baseUrl: string;
const requests: string[] = [];

beforeAll(async () => {
  const etcd = builtEtcd();
  const body = readFileSync(etcd.tarball);
  const served = `/mirror/etcd/${etcd.version}/etcd-${etcd.version}-linux-amd64.tar.gz`;
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url !== served) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, `${SUBNET}.1`, resolve));
  set = await startHosts(2);
  baseUrl = `http://${SUBNET}.1:${(server.address() as AddressInfo).port}/mirror/etcd`;
}, 120_000);
afterAll(async () => {
  await set?.teardown();
  await new Promise((resolve) => server?.close(resolve));
});

/** What the runner does over SSH: upload the listed files (root-owned, their modes), then `bash -s` the body. */
async function run(host: TestHost, script: Script, secrets: SecretStore) {
  for (const f of script.files ?? []) {
    const content = await secrets.get(f.contentRef.replace(/^secret:/, ''));
    const up = await host.exec(
      `mkdir -p "$(dirname ${f.path})" && cat > ${f.path} && chmod ${f.mode.toString(8)} ${f.path} && chown root:root ${f.path}`,
      { input: content ?? '' },
    );
    expect(up.code, up.stderr).toBe(0);
  }
  return host.exec('bash -s', { input: script.body, timeoutMs: 120_000 });
}

async function memberOn(host: TestHost) {
  const secrets = memorySecrets();
  await ensureEtcdPki(secrets, 'mirror', [{ name: 'etcd-0', addresses: [host.address] }]);
  const input = {
    cluster: 'mirror',
    name: 'etcd-0',
    address: host.address,
    members: [{ name: 'etcd-0', address: host.address }],
    timeoutSeconds: 60,
  };
  return { secrets, input };
}

describe('etcd from a mirror over HTTP (real SSH test hosts, real etcd)', () => {
  it("downloads the release once, verifies it, and runs etcd 3.6 where Debian's 3.4 is installed too", async () => {
    const h = set.hosts[0]!;
    const { version } = builtEtcd();
    const { secrets, input } = await memberOn(h);
    const script = etcdMemberScript({ ...input, release: builtEtcdReleaseSpec(baseUrl) });
    const r = await run(h, script, secrets);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`downloading etcd from ${baseUrl}/${version}/etcd-${version}-linux-amd64.tar.gz`);
    expect(r.stdout).toContain(`installed etcd ${version} (linux-amd64, SHA-256 verified)`);
    expect(requests.filter((u) => u.endsWith('.tar.gz'))).toHaveLength(1);

    const v = await h.exec('command -v etcd etcdctl etcdutl && etcd --version && /usr/bin/etcd --version');
    expect(v.stdout).toContain(
      `/usr/local/bin/etcd\n/usr/local/bin/etcdctl\n/usr/local/bin/etcdutl\netcd Version: ${version.slice(1)}\n`,
    );
    expect(v.stdout).toMatch(/etcd Version: 3\.4\.\d+/); // the distribution's is still there, unused
    // The serving member is the new one.
    const pki = '--cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/server.crt --key /etc/etcd/pki/server.key';
    const status = await h.exec(`etcdctl --endpoints https://${h.address}:2379 ${pki} endpoint status -w json`);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { Status: { version: string } }[])[0]!.Status.version).toBe(version.slice(1));

    const again = await run(h, script, secrets);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('downloading etcd');
    expect(requests.filter((u) => u.endsWith('.tar.gz'))).toHaveLength(1);
  }, 180_000);

  it('a wrong SHA-256 fails the install with a clear message and leaves nothing installed', async () => {
    const h = set.hosts[1]!;
    const { secrets, input } = await memberOn(h);
    const release = builtEtcdReleaseSpec(baseUrl);
    const wrong = 'e'.repeat(64);
    const r = await run(h, etcdMemberScript({ ...input, release: { ...release, sha256: { amd64: wrong } } }), secrets);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `[ksctl] ERROR: etcd ${release.version} linux-amd64 tarball /var/lib/ksctl/downloads/etcd-${release.version}-linux-amd64.tar.gz has SHA-256 ${release.sha256.amd64}, expected ${wrong} (spec.etcd.release): refusing to install it`,
    );
    expect((await h.exec('ls /usr/local/bin/etcd /var/lib/ksctl/downloads/*.tar.gz')).code).not.toBe(0);
    expect((await h.exec('test -e /etc/systemd/system/ksctl-etcd.service')).code).not.toBe(0);
  }, 120_000);
});
