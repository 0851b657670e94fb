import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { applyDefaults } from '../../src/api/defaults.js';
import {
  ETCD_DEFAULT_BASE_URL,
  ETCD_PINNED_RELEASE,
  etcdDownloadUrl,
  resolveEtcdRelease,
} from '../../src/api/etcd-release.js';
import { validateSpec } from '../../src/api/validate.js';
import type { SpecInput } from '../../src/api/input.js';

const sum = (c: string) => c.repeat(64);
const base: SpecInput = { name: 'lab', provider: 'aws', type: 'selfmanaged', region: 'us-east-1' };
const issuesFor = (release: NonNullable<SpecInput['etcd']>['release'], more: SpecInput = {}) =>
  validateSpec(applyDefaults({ ...base, ...more, etcd: { ...more.etcd, release } })).filter((i) =>
    i.path.startsWith('spec.etcd.release'),
  );

describe('spec.etcd.release', () => {
  it('absent: the pinned upstream release (both architectures), from GitHub', () => {
    expect(applyDefaults(base).etcd.release).toBeUndefined();
    expect(resolveEtcdRelease(undefined)).toEqual(ETCD_PINNED_RELEASE);
    expect(ETCD_PINNED_RELEASE.version).toMatch(/^v3\.6\.\d+$/);
    expect(Object.keys(ETCD_PINNED_RELEASE.sha256).sort()).toEqual(['amd64', 'arm64']);
    expect(etcdDownloadUrl(ETCD_PINNED_RELEASE, 'arm64')).toBe(
      `https://github.com/etcd-io/etcd/releases/download/${ETCD_PINNED_RELEASE.version}/etcd-${ETCD_PINNED_RELEASE.version}-linux-arm64.tar.gz`,
    );
  });

  it('a mirror alone keeps the pinned version and checksums', () => {
    const spec = applyDefaults({ ...base, etcd: { release: { baseUrl: 'https://mirror.internal/etcd/' } } });
    expect(spec.etcd.release).toEqual({ ...ETCD_PINNED_RELEASE, baseUrl: 'https://mirror.internal/etcd/' });
    expect(etcdDownloadUrl(spec.etcd.release!, 'amd64')).toBe(
      `https://mirror.internal/etcd/${ETCD_PINNED_RELEASE.version}/etcd-${ETCD_PINNED_RELEASE.version}-linux-amd64.tar.gz`,
    );
    expect(validateSpec(spec)).toEqual([]);
  });

  it("another version brings its own checksums, never the pinned version's", () => {
    const spec = applyDefaults({ ...base, etcd: { release: { version: 'v3.6.17', sha256: { amd64: sum('a') } } } });
    expect(spec.etcd.release).toEqual({
      baseUrl: ETCD_DEFAULT_BASE_URL,
      version: 'v3.6.17',
      sha256: { amd64: sum('a') },
    });
    expect(validateSpec(spec)).toEqual([]);
  });

  it.each([
    [
      'another version without checksums',
      { version: 'v3.6.17' },
      'spec.etcd.release.sha256',
      /v3\.6\.17 is not the pinned release .*SHA256SUMS/,
    ],
    [
      'etcd 3.5',
      { version: 'v3.5.21', sha256: { amd64: sum('a') } },
      'spec.etcd.release.version',
      /too old: use v3\.6 or newer/,
    ],
    ['etcd 3.4', { version: 'v3.4.23', sha256: { amd64: sum('a') } }, 'spec.etcd.release.version', /too old/],
    [
      'a version that is not one',
      { version: '3.6', sha256: { amd64: sum('a') } },
      'spec.etcd.release.version',
      /is not an etcd release: use e\.g\. v3\.6/,
    ],
    ['a short checksum', { sha256: { amd64: 'abc' } }, 'spec.etcd.release.sha256.amd64', /64 lowercase hex digits/],
    ['upper-case hex', { sha256: { arm64: sum('A') } }, 'spec.etcd.release.sha256.arm64', /64 lowercase hex digits/],
    ['not a URL', { baseUrl: 'mirror.internal/etcd' }, 'spec.etcd.release.baseUrl', /is not a URL/],
    [
      'an ftp URL',
      { baseUrl: 'ftp://mirror.internal/etcd' },
      'spec.etcd.release.baseUrl',
      /https:\/\/ \(or http:\/\/\) URL/,
    ],
    [
      'credentials in the URL',
      { baseUrl: 'https://user:pw@mirror.internal/etcd' },
      'spec.etcd.release.baseUrl',
      /must not contain a user name or password/,
    ],
    ['a query', { baseUrl: 'https://mirror.internal/etcd?x=1' }, 'spec.etcd.release.baseUrl', /query or fragment/],
  ])('refuses %s, naming the field', (_n, release, path, message) => {
    const issues = issuesFor(release);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.find((i) => i.path === path)!.message).toMatch(message);
  });

  it('refuses a release where there is no external etcd', () => {
    expect(
      issuesFor({ baseUrl: 'https://mirror.internal/etcd' }, { etcd: { count: 0 } }).map((i) => i.message),
    ).toEqual(['applies only to external etcd (self-managed, spec.etcd.count >= 3): remove it']);
    expect(
      issuesFor(
        { baseUrl: 'https://mirror.internal/etcd' },
        { provider: 'local', type: 'managed', region: undefined },
      )[0]?.path,
    ).toBe('spec.etcd.release');
  });
});

describe('the etcd the tests build', () => {
  it('is the pinned release (test/peers/etcd/go.mod names the same version)', () => {
    const mod = readFileSync(path.join(ROOT, 'test/peers/etcd/go.mod'), 'utf8');
    for (const m of ['server', 'etcdctl', 'etcdutl', 'api', 'client/v3', 'client/pkg', 'pkg']) {
      const name = m.includes('/') ? `go.etcd.io/etcd/${m.replace('/v3', '')}/v3` : `go.etcd.io/etcd/${m}/v3`;
      expect(mod, name).toMatch(
        new RegExp(
          `^\\s*${name.replace(/\./g, '\\.')} ${ETCD_PINNED_RELEASE.version.replace(/\./g, '\\.')}( // indirect)?$`,
          'm',
        ),
      );
    }
  });
});
