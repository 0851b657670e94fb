import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { etcdArgs, etcdHealthScript, etcdMemberScript, etcdUnit } from '../../../src/distro/scripts/index.js';
import { ETCD } from './matrix.js';
import { builtEtcd } from '../../helpers/etcd-release.js';
import { ETCD_PINNED_RELEASE } from '../../../src/api/etcd-release.js';

const input = { cluster: 'demo', name: 'etcd-1', address: '10.0.1.11', members: ETCD };

describe('etcd member', () => {
  it('unit: ksctl-etcd, every member in --initial-cluster (sorted), TLS everywhere', () => {
    const unit = etcdUnit(input);
    expect(unit).toContain('ExecStart=/usr/local/bin/etcd \\');
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
      // The unit names /usr/local/bin/etcd, which only machines have: verify it against the built etcd.
      const ok = verify(
        etcdUnit(input).replace('ExecStart=/usr/local/bin/etcd', `ExecStart=${builtEtcd().binDir}/etcd`),
      );
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stderr).toBe('');
      expect(
        verify(etcdUnit(input).replace('ExecStart=/usr/local/bin/etcd', 'ExecStart=/nonexistent/etcd')).status,
      ).not.toBe(0); // the check bites
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('script: uploads listed, distribution etcd masked, enable + start without blocking, bounded wait', () => {
    const s = etcdMemberScript(input);
    expect(s.files?.map((f) => `${f.path} ${f.mode.toString(8)} ${f.contentRef}`)).toEqual([
      '/etc/etcd/pki/ca.crt 644 secret:etcd-ca.crt',
      '/etc/etcd/pki/server.crt 644 secret:etcd-etcd-1-server.crt',
      '/etc/etcd/pki/server.key 600 secret:etcd-etcd-1-server.key',
      '/etc/etcd/pki/peer.crt 644 secret:etcd-etcd-1-peer.crt',
      '/etc/etcd/pki/peer.key 600 secret:etcd-etcd-1-peer.key',
    ]);
    expect(s.body).not.toContain('apt_install'); // never the distribution's etcd 3.4
    expect(s.body).toContain('systemctl mask --now etcd.service');
    expect(s.body).toContain('systemctl enable ksctl-etcd');
    expect(s.body).not.toContain('ETCDCTL_API'); // etcdctl 3.6 speaks v3 only and warns about the variable
    expect(s.body).toMatch(
      /wait_for 300 2 "etcd member etcd-1" etcdctl --endpoints=https:\/\/127\.0\.0\.1:2379 .* endpoint health/,
    );
    expect(s.body).not.toMatch(/sleep [0-9]{2,}/);
  });

  it('online: the pinned upstream release from GitHub, SHA-256 checked per architecture', () => {
    const s = etcdMemberScript(input);
    expect(s.description).toBe(`etcd ${ETCD_PINNED_RELEASE.version} member etcd-1 (3 members)`);
    expect(s.body).toContain(
      `url=https://github.com/etcd-io/etcd/releases/download/${ETCD_PINNED_RELEASE.version}/etcd-${ETCD_PINNED_RELEASE.version}-linux-"\${arch}.tar.gz"`,
    );
    expect(s.body).toContain(`amd64) want_sha=${ETCD_PINNED_RELEASE.sha256.amd64} ;;`);
    expect(s.body).toContain(`arm64) want_sha=${ETCD_PINNED_RELEASE.sha256.arm64} ;;`);
    expect(s.body).toContain(`*$'\\n''etcd Version: ${ETCD_PINNED_RELEASE.version.slice(1)}'$'\\n'*`);
    expect(s.files?.some((f) => f.contentRef.startsWith('artifact:'))).toBe(false);
  });

  it("a mirror and a version of the spec's own, with its checksums", () => {
    const release = {
      baseUrl: 'https://mirror.example.com/etcd/',
      version: 'v3.6.17',
      sha256: { arm64: 'a'.repeat(64) },
    };
    const s = etcdMemberScript({ ...input, release });
    expect(s.body).toContain('url=https://mirror.example.com/etcd/v3.6.17/etcd-v3.6.17-linux-"${arch}.tar.gz"');
    expect(s.body).toContain(`arm64) want_sha=${'a'.repeat(64)} ;;`);
    expect(s.body).toContain("amd64) want_sha='' ;;"); // no sum: that machine refuses, naming the field
    expect(s.body).toContain('add it as spec.etcd.release.sha256.$arch');
  });

  it('air-gapped: installs from the uploaded upstream tarball, checksum and version checked', () => {
    const s = etcdMemberScript({ ...input, airgap: {} });
    const name = `etcd-${ETCD_PINNED_RELEASE.version}-linux-amd64.tar.gz`;
    expect(s.body).not.toContain('apt_install');
    expect(s.body).not.toContain('curl');
    expect(s.body).toContain(`tarball=/var/lib/ksctl/airgap/${name}`);
    expect(s.files?.at(-1)).toEqual({
      path: `/var/lib/ksctl/airgap/${name}`,
      mode: 0o644,
      contentRef: `artifact:${name}`,
    });
    expect(s.body).toContain(`amd64) want_sha=${ETCD_PINNED_RELEASE.sha256.amd64} ;;`);
    expect(s.body).toContain(`*$'\\n''etcd Version: ${ETCD_PINNED_RELEASE.version.slice(1)}'$'\\n'*`);
  });

  it.each([
    ['an unknown member', { ...input, name: 'etcd-9' }],
    ['a mismatched address', { ...input, address: '10.9.9.9' }],
    [
      'a DNS name (etcd binds IPs)',
      { ...input, members: [{ name: 'etcd-1', address: 'etcd.internal' }], address: 'etcd.internal' },
    ],
    ['a port clash', { ...input, members: [...ETCD, { name: 'etcd-3', address: '10.0.1.10' }] }],
  ])('rejects %s', (_n, bad) => {
    expect(() => etcdArgs(bad)).toThrow(InputError);
  });

  it('one address with several members on distinct ports (used by the local cluster test)', () => {
    const members = [0, 1, 2].map((i) => ({
      name: `m${i}`,
      address: '127.0.0.1',
      clientPort: 23790 + i * 2,
      peerPort: 23791 + i * 2,
    }));
    const args = etcdArgs({ cluster: 't', name: 'm1', address: '127.0.0.1', members }, { pkiDir: '/x', dataDir: '/d' });
    expect(args).toContain('--listen-client-urls=https://127.0.0.1:23792');
    expect(args).toContain(
      '--initial-cluster=m0=https://127.0.0.1:23791,m1=https://127.0.0.1:23793,m2=https://127.0.0.1:23795',
    );
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
