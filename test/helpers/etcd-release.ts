/**
 * The upstream etcd the tests install: built from the Go module proxy by scripts/build-etcd.sh (our
 * machines cannot reach GitHub) into ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}, packed as upstream's
 * release tarball. Its bytes differ from upstream's, so a test hands ksctl its SHA-256 through
 * `spec.etcd.release`, exactly as a user with a mirror of their own build would.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { etcdTarballName, resolveEtcdRelease, type EtcdReleaseSpec } from '../../src/api/etcd-release.js';
import type { TestHost } from '../hosts/harness.js';
import { ROOT } from './cli.js';

export interface BuiltEtcd {
  /** `v3.6.14`, from test/peers/etcd/go.mod. */
  version: string;
  /** The release-layout tarball (linux-amd64). */
  tarball: string;
  sha256: string;
  /** Directory with the unpacked etcd, etcdctl and etcdutl (for the test process itself). */
  binDir: string;
}

let cached: BuiltEtcd | undefined;

export function builtEtcd(): BuiltEtcd {
  if (cached) return cached;
  const mod = readFileSync(path.join(ROOT, 'test/peers/etcd/go.mod'), 'utf8');
  const version = /^\s*go\.etcd\.io\/etcd\/server\/v3 (v\S+)$/m.exec(mod)?.[1];
  if (!version) throw new Error('test/peers/etcd/go.mod names no etcd server version');
  const dir = path.join(process.env.KSCTL_TEST_CACHE ?? '/var/cache/ksctl-test', `etcd-${version}`);
  const tarball = path.join(dir, etcdTarballName(version, 'amd64'));
  if (!existsSync(tarball))
    throw new Error(`${tarball} is missing: run scripts/install-test-deps.sh (it builds etcd ${version})`);
  const sha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  const binDir = path.join(dir, `bin-${sha256.slice(0, 12)}`);
  if (!existsSync(path.join(binDir, 'etcdutl'))) {
    // Unpack beside, then rename: test files run in parallel and may race here.
    const tmp = `${binDir}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', tmp, '--strip-components=1']);
    try {
      renameSync(tmp, binDir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process won
    }
  }
  cached = { version, tarball, sha256, binDir };
  return cached;
}

/** `spec.etcd.release` for a cluster file that installs the built etcd. */
export function builtEtcdRelease(): { version: string; sha256: { amd64: string } } {
  const e = builtEtcd();
  return { version: e.version, sha256: { amd64: e.sha256 } };
}

/** The same, resolved as the spec's defaults would (what the etcd scripts take). */
export function builtEtcdReleaseSpec(baseUrl?: string): EtcdReleaseSpec {
  return resolveEtcdRelease({ ...builtEtcdRelease(), ...(baseUrl ? { baseUrl } : {}) });
}

/**
 * What an external-etcd e2e checks of its members: `/usr/local/bin/etcd` is the built release on every
 * host, and every serving member reports it.
 */
export async function expectUpstreamEtcdMembers(hosts: TestHost[], secret: (name: string) => string): Promise<void> {
  const { version, binDir } = builtEtcd();
  for (const h of hosts) {
    const v = await h.exec('command -v etcd && etcd --version');
    expect(v.stdout, h.name).toContain(`/usr/local/bin/etcd\netcd Version: ${version.slice(1)}\n`);
  }
  const endpoints = hosts.map((h) => `https://${h.address}:2379`).join(',');
  const tls = [
    '--cacert',
    secret('etcd-ca.crt'),
    '--cert',
    secret('etcd-apiserver-client.crt'),
    '--key',
    secret('etcd-apiserver-client.key'),
  ];
  const out = execFileSync(
    path.join(binDir, 'etcdctl'),
    ['--endpoints', endpoints, ...tls, 'endpoint', 'status', '-w', 'json'],
    { encoding: 'utf8' },
  );
  expect((JSON.parse(out) as { Status: { version: string } }[]).map((s) => s.Status.version)).toEqual(
    hosts.map(() => version.slice(1)),
  );
}
