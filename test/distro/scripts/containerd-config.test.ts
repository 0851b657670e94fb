/**
 * The containerd configurations the kubeadm install writes, read back by the REAL containerd 2.x (built
 * from the Go module proxy by scripts/build-containerd.sh): `config dump` merges our version 3 file
 * into containerd's defaults, `config migrate` converts our version 2 file (containerd 1.x) the way a
 * 2.x daemon converts it on start. Either shows the sandbox image and cgroup driver containerd will use.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  containerdConfigLines,
  containerdConfigV2,
  containerdConfigV3,
} from '../../../src/distro/scripts/containerd.js';

const VERSION = 'v2.4.2';
const BIN = path.join(process.env.KSCTL_TEST_CACHE ?? '/var/cache/ksctl-test', `containerd-${VERSION}`, 'containerd');
const present = existsSync(BIN);
// Not containerd's default, so a setting that is ignored cannot pass for ours.
const PAUSE = 'registry.example.test/pause:1.0.0';
const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-containerd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The settings containerd ended up with, from its full (version 3+) config. */
function effective(toml: string): { sandbox?: string; systemdCgroup?: string } {
  const section = (name: string) => toml.split(/^\s*\[/m).find((s) => s.startsWith(`${name}]`)) ?? '';
  const value = (text: string, key: string) => new RegExp(`^\\s*${key} = (.*)$`, 'm').exec(text)?.[1];
  return {
    sandbox: value(section("plugins.'io.containerd.cri.v1.images'.pinned_images"), 'sandbox'),
    systemdCgroup: value(
      section("plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options"),
      'SystemdCgroup',
    ),
  };
}

function containerd(config: string, ...args: string[]): string {
  const file = path.join(dir, `${args.join('-')}-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, config);
  const r = spawnSync(BIN, ['--config', file, ...args], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('containerd configuration (rendering)', () => {
  it('1.x: config version 2, sandbox_image in the CRI plugin', () => {
    const t = containerdConfigV2(PAUSE);
    expect(t).toMatch(/^version = 2\n/);
    expect(t).toContain(`[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "${PAUSE}"`);
    expect(t).toContain(
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  SystemdCgroup = true',
    );
  });

  it('2.x: config version 3, pinned_images.sandbox in the images plugin', () => {
    const t = containerdConfigV3(PAUSE);
    expect(t).toMatch(/^version = 3\n/);
    expect(t).toContain(`[plugins.'io.containerd.cri.v1.images'.pinned_images]\n  sandbox = "${PAUSE}"`);
    expect(t).toContain(
      "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]\n  SystemdCgroup = true",
    );
    expect(t).not.toContain('sandbox_image');
  });

  it('the script picks the file by the major version containerd reports', () => {
    const lines = containerdConfigLines(PAUSE).join('\n');
    expect(lines).toContain('if [ "${containerd_version%%.*}" -ge 2 ]; then');
    expect(lines.indexOf('version = 3')).toBeLessThan(lines.indexOf('version = 2'));
  });

  it('refuses what is not an image reference', () => {
    expect(() => containerdConfigV3('pause"\nversion = 1')).toThrow(/not an image reference/);
  });
});

describe.skipIf(!present)(`real containerd ${VERSION} reads back what ksctl writes`, () => {
  it('version 3 (containerd 2.x): config dump shows our sandbox image and systemd cgroups', () => {
    expect(effective(containerd(containerdConfigV3(PAUSE), 'config', 'dump'))).toEqual({
      sandbox: `'${PAUSE}'`,
      systemdCgroup: 'true',
    });
  });

  it('version 2 (containerd 1.x): config migrate converts it to the same settings', () => {
    expect(effective(containerd(containerdConfigV2(PAUSE), 'config', 'migrate'))).toEqual({
      sandbox: `'${PAUSE}'`,
      systemdCgroup: 'true',
    });
  });

  it('a 1.x key in a version 3 file is not the sandbox image (so the checks above mean something)', () => {
    const wrong = containerdConfigV3(PAUSE).replace(
      "[plugins.'io.containerd.cri.v1.images'.pinned_images]\n  sandbox",
      "[plugins.'io.containerd.cri.v1.images']\n  sandbox_image",
    );
    expect(effective(containerd(wrong, 'config', 'dump')).sandbox).not.toBe(`'${PAUSE}'`);
  });
});

describe.skipIf(present)(`real containerd ${VERSION}`, () => {
  it(`SKIPPED: ${BIN} is absent (scripts/install-test-deps.sh builds it with Go)`, () => {
    expect(present).toBe(false);
  });
});
