import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { etcdArgs, etcdHealthScript, etcdMemberScript, etcdUnit } from '../../../src/distro/scripts/index.js';
import { ETCD } from './matrix.js';

const input = { cluster: 'demo', name: 'etcd-1', address: '10.0.1.11', members: ETCD };

describe('etcd member', () => {
  it('unit: ksctl-etcd, every member in --initial-cluster (sorted), TLS everywhere', () => {
    const unit = etcdUnit(input);
    expect(unit).toContain('ExecStart=/usr/bin/etcd \\');
    expect(unit).toContain(
      '--initial-cluster=etcd-0=https://10.0.1.10:2380,etcd-1=https://10.0.1.11:2380,etcd-2=https://10.0.1.12:2380',
    );
    for (const flag of [
      '--name=etcd-1',
      '--data-dir=/var/lib/ksctl-etcd',
      '--listen-client-urls=https://10.0.1.11:2379,https://127.0.0.1:2379',
      '--advertise-client-urls=https://10.0.1.11:2379',
      '--listen-peer-urls=https://10.0.1.11:2380',
      '--initial-advertise-peer-urls=https://10.0.1.11:2380',
      '--initial-cluster-state=new',
      '--initial-cluster-token=ksctl-demo',
      '--client-cert-auth=true',
      '--trusted-ca-file=/etc/etcd/pki/ca.crt',
      '--cert-file=/etc/etcd/pki/server.crt',
      '--key-file=/etc/etcd/pki/server.key',
      '--peer-client-cert-auth=true',
      '--peer-trusted-ca-file=/etc/etcd/pki/ca.crt',
      '--peer-cert-file=/etc/etcd/pki/peer.crt',
      '--peer-key-file=/etc/etcd/pki/peer.key',
    ]) {
      expect(unit).toContain(`  ${flag}`);
    }
    expect(etcdUnit({ ...input, members: [...ETCD].reverse() })).toBe(unit);
  });

  it.skipIf(!existsSync('/usr/bin/systemd-analyze'))('unit passes systemd-analyze verify', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksctl-unit-'));
    try {
      const verify = (text: string) => {
        writeFileSync(join(dir, 'ksctl-etcd.service'), text);
        return spawnSync('systemd-analyze', ['verify', join(dir, 'ksctl-etcd.service')], { encoding: 'utf8' });
      };
      const ok = verify(etcdUnit(input));
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stderr).toBe('');
      expect(verify(etcdUnit(input).replace('ExecStart=/usr/bin/etcd', 'ExecStart=/nonexistent/etcd')).status).not.toBe(0); // the check bites
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('script: uploads listed, Debian etcd masked, enable + start without blocking, bounded wait', () => {
    const s = etcdMemberScript(input);
    expect(s.files?.map((f) => `${f.path} ${f.mode.toString(8)} ${f.contentRef}`)).toEqual([
      '/etc/etcd/pki/ca.crt 644 secret:etcd-ca.crt',
      '/etc/etcd/pki/server.crt 644 secret:etcd-etcd-1-server.crt',
      '/etc/etcd/pki/server.key 600 secret:etcd-etcd-1-server.key',
      '/etc/etcd/pki/peer.crt 644 secret:etcd-etcd-1-peer.crt',
      '/etc/etcd/pki/peer.key 600 secret:etcd-etcd-1-peer.key',
    ]);
    expect(s.body).toContain('apt_install etcd-server etcd-client');
    expect(s.body).toContain('systemctl mask --now etcd.service');
    expect(s.body).toContain('systemctl enable ksctl-etcd');
    expect(s.body).toContain('export ETCDCTL_API=3');
    expect(s.body).toMatch(/wait_for 300 2 "etcd member etcd-1" etcdctl --endpoints=https:\/\/127\.0\.0\.1:2379 .* endpoint health/);
    expect(s.body).not.toMatch(/sleep [0-9]{2,}/);
  });

  it('air-gapped: installs from the uploaded tarball and checks the version', () => {
    const s = etcdMemberScript({ ...input, airgap: {}, version: 'v3.5.17' });
    expect(s.body).not.toContain('apt_install');
    expect(s.body).toContain('tarball=/var/lib/ksctl/airgap/etcd-v3.5.17-linux-amd64.tar.gz');
    expect(s.files?.at(-1)).toEqual({
      path: '/var/lib/ksctl/airgap/etcd-v3.5.17-linux-amd64.tar.gz',
      mode: 0o644,
      contentRef: 'artifact:etcd-v3.5.17-linux-amd64.tar.gz',
    });
    expect(s.body).toContain("grep -qF 'etcd Version: 3.5.17'");
  });

  it.each([
    ['an unknown member', { ...input, name: 'etcd-9' }],
    ['a mismatched address', { ...input, address: '10.9.9.9' }],
    ['a DNS name (etcd binds IPs)', { ...input, members: [{ name: 'etcd-1', address: 'etcd.internal' }], address: 'etcd.internal' }],
    ['a port clash', { ...input, members: [...ETCD, { name: 'etcd-3', address: '10.0.1.10' }] }],
  ])('rejects %s', (_n, bad) => {
    expect(() => etcdArgs(bad)).toThrow(InputError);
  });

  it('one address with several members on distinct ports (used by the local cluster test)', () => {
    const members = [0, 1, 2].map((i) => ({ name: `m${i}`, address: '127.0.0.1', clientPort: 23790 + i * 2, peerPort: 23791 + i * 2 }));
    const args = etcdArgs({ cluster: 't', name: 'm1', address: '127.0.0.1', members }, { pkiDir: '/x', dataDir: '/d' });
    expect(args).toContain('--listen-client-urls=https://127.0.0.1:23792');
    expect(args).toContain('--initial-cluster=m0=https://127.0.0.1:23791,m1=https://127.0.0.1:23793,m2=https://127.0.0.1:23795');
  });
});

describe('etcd health', () => {
  it('checks the whole cluster with client certs and a deadline, and the member count', () => {
    const s = etcdHealthScript({ members: ETCD, timeoutSeconds: 60 });
    expect(s.body).toContain('--endpoints=https://10.0.1.10:2379,https://10.0.1.11:2379,https://10.0.1.12:2379');
    expect(s.body).toContain('--cacert="${pki}/ca.crt" --cert="${pki}/server.crt" --key="${pki}/server.key"');
    expect(s.body).toContain('etcd_ctl endpoint health --cluster');
    expect(s.body).toContain("grep -c ', started, ')\" -eq 3");
    expect(s.body).toContain('wait_for 60 2 "all 3 etcd members healthy" cluster_healthy');
  });
});
