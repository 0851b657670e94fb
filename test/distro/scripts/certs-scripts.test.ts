/**
 * The scripts `certs renew` adds: the API server's etcd client certificate (k3s and kubeadm) and the
 * wait for a member to serve its new certificates. shellcheck-clean, and uploading only secret refs.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { apiServerEtcdClientScript } from '../../../src/distro/scripts/etcd-client-cert.js';
import { etcdServedCertsScript } from '../../../src/distro/scripts/etcd-served.js';

const sha = (c: string) => c.repeat(64);
const scripts = [
  apiServerEtcdClientScript('k3s', 'cp-0', '10.0.1.10'),
  apiServerEtcdClientScript('kubeadm', 'cp-1', '10.0.1.11'),
  etcdServedCertsScript({ name: 'etcd-0', address: '10.0.0.10', serverSha256: sha('a'), peerSha256: sha('b') }),
];

describe('certs renewal scripts', () => {
  it.each(scripts.map((s) => [s.description, s] as const))('%s: shellcheck and bash -n', (_d, s) => {
    const r = spawnSync('shellcheck', ['-s', 'bash', '-'], { input: s.body, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(spawnSync('bash', ['-n'], { input: s.body }).status).toBe(0);
  });

  it('k3s: the datastore files, then k3s restarted and /readyz awaited', () => {
    const s = scripts[0]!;
    expect(s.files?.map((f) => [f.path, f.contentRef, f.mode])).toEqual([
      ['/etc/k3s/etcd/client.crt', 'secret:etcd-apiserver-client.crt', 0o644],
      ['/etc/k3s/etcd/client.key', 'secret:etcd-apiserver-client.key', 0o600],
    ]);
    expect(s.body).toContain('systemctl restart k3s');
    expect(s.body).toMatch(/get --raw=\/readyz/);
  });

  it("kubeadm: the API server's files (and the staging copies), the static pod restarted through its manifest", () => {
    const s = scripts[1]!;
    expect(s.files?.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        '/etc/kubernetes/pki/apiserver-etcd-client.crt',
        '/etc/kubernetes/pki/apiserver-etcd-client.key',
      ]),
    );
    expect(s.files?.every((f) => f.contentRef.startsWith('secret:etcd-apiserver-client.'))).toBe(true);
    expect(s.files?.filter((f) => f.path.endsWith('.key')).every((f) => f.mode === 0o600)).toBe(true);
    const out = s.body.indexOf('mv -f /etc/kubernetes/manifests/kube-apiserver.yaml');
    const back = s.body.indexOf('mv -f "$held" /etc/kubernetes/manifests/kube-apiserver.yaml');
    expect(out).toBeGreaterThan(0);
    expect(back).toBeGreaterThan(out);
    // Its own API server, not whichever one the load balancer picks.
    expect(s.body).toContain('--server https://10.0.1.11:6443 get --raw=/readyz');
    // Only pgrep's "no process matched" counts as stopped; a pgrep error must not.
    expect(s.body).toContain('gone() { local rc=0; pgrep -x kube-apiserver >/dev/null || rc=$?; [ "$rc" -eq 1 ]; }');
  });

  it('the served-certificates wait compares both listeners and refuses a malformed digest', () => {
    expect(scripts[2]!.body).toContain(`= ${sha('a')} ]`);
    expect(scripts[2]!.body).toContain('-connect 10.0.0.10:2380');
    expect(scripts[2]!.body).toContain('-connect 10.0.0.10:2379');
    expect(
      etcdServedCertsScript({ name: 'e', address: 'fd00::1', serverSha256: sha('a'), peerSha256: sha('b') }).body,
    ).toContain("-connect '[fd00::1]:2379'");
    expect(() =>
      etcdServedCertsScript({ name: 'e', address: '10.0.0.1', serverSha256: 'x; rm -rf /', peerSha256: sha('b') }),
    ).toThrow(/not a sha256/);
  });
});
