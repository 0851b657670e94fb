/**
 * The stand-ins pick the release the real installers would: k3s's install.sh follows its channel (the
 * newest release of `v1.36`, pre-releases skipped); upstream.sh also answers which package the per-minor
 * pkgs.k8s.io repository would install. The versions they install are what `--version` reports afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';

const UPSTREAM = path.join(ROOT, 'test/standins/upstream/upstream.sh');
const K3S_INSTALL = path.join(ROOT, 'test/standins/k3s/install.sh');

let dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ksctl-upstream-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

const sh = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync('sh', args, { encoding: 'utf8', env: { ...process.env, ...env } });

describe('upstream feeds stand-in', () => {
  it.each([
    ['k3s-channel', 'v1.35', 'v1.35.10+k3s1'], // 10 > 9: versions compare numerically
    ['k3s-channel', 'v1.37', 'v1.37.2+k3s1'],
    ['k3s-channel', 'latest', 'v1.37.2+k3s1'], // v1.38.0-rc1+k3s1 is a pre-release
    ['k3s-channel', 'stable', 'v1.36.6+k3s1'],
    ['kubernetes-repo', '1.36', 'v1.36.6'],
    ['kubernetes-repo', '1.37', 'v1.37.2'],
  ])('%s %s → %s', (feed, name, want) => {
    const r = sh([UPSTREAM, feed, name]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(want);
  });

  it.each([
    ['k3s-channel', 'v1.38'],
    ['k3s-channel', 'nope'],
    ['kubernetes-repo', '1.38'],
  ])('%s %s: nothing released → exit 1', (feed, name) => {
    expect(sh([UPSTREAM, feed, name]).status).toBe(1);
  });
});

describe('k3s install.sh stand-in follows INSTALL_K3S_CHANNEL', () => {
  const install = (env: NodeJS.ProcessEnv) => {
    const root = tmp();
    const bin = path.join(root, 'bin');
    const fakeBin = path.join(root, 'fakebin');
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(path.join(fakeBin, 'systemctl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const r = sh([K3S_INSTALL], {
      PATH: `${fakeBin}:${process.env.PATH}`,
      STANDIN_ROOT: root,
      INSTALL_K3S_BIN_DIR: bin,
      INSTALL_K3S_SYSTEMD_DIR: path.join(root, 'units'),
      INSTALL_K3S_SKIP_ENABLE: 'true',
      INSTALL_K3S_EXEC: 'server',
      ...env,
    });
    const version =
      r.status === 0 ? execFileSync(path.join(bin, 'k3s'), ['--version'], { encoding: 'utf8' }).split('\n')[0] : '';
    return { r, version };
  };

  it('a minor channel installs its newest release, which the binary then reports', () => {
    const { r, version } = install({
      INSTALL_K3S_CHANNEL: 'v1.36',
      INSTALL_K3S_CHANNEL_URL: 'https://update.k3s.io/v1-release/channels',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('[INFO]  Finding release for channel v1.36');
    expect(r.stdout).toContain('[INFO]  Using v1.36.6+k3s1 as release');
    expect(version).toMatch(/^k3s version v1\.36\.6\+k3s1 /);
  });

  it('a patch released later is what the same channel installs then', () => {
    const list = path.join(tmp(), 'releases.txt');
    writeFileSync(list, 'k3s v1.36.6+k3s1\nk3s v1.36.7+k3s1\n');
    const { version } = install({ INSTALL_K3S_CHANNEL: 'v1.36', STANDIN_UPSTREAM_RELEASES: list });
    expect(version).toMatch(/^k3s version v1\.36\.7\+k3s1 /);
  });

  it('INSTALL_K3S_VERSION wins over the channel; an unknown channel fails the download', () => {
    expect(install({ INSTALL_K3S_VERSION: 'v1.35.9+k3s1', INSTALL_K3S_CHANNEL: 'v1.37' }).version).toMatch(
      /^k3s version v1\.35\.9\+k3s1 /,
    );
    const bad = install({ INSTALL_K3S_CHANNEL: 'v1.99' });
    expect(bad.r.status).not.toBe(0);
    expect(bad.r.stderr).toContain('Download failed');
  });
});
