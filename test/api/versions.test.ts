/**
 * The Kubernetes version window and the forms ksctl accepts: self-managed against the window, managed
 * clouds by form only (their live list decides in preflight), kind against its release's images.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_KUBERNETES_VERSION,
  KIND,
  KUBERNETES_CHECKED,
  NEWEST_KUBERNETES_PATCH,
  SELF_MANAGED_MINORS,
  byVersion,
  minorOf,
} from '../../src/api/catalog.js';
import { applyDefaults } from '../../src/api/defaults.js';
import type { SpecInput } from '../../src/api/input.js';
import { validateSpec } from '../../src/api/validate.js';
import { parseInstalledVersions } from '../../src/distro/scripts/versions.js';
import { recordClusterVersions } from '../../src/managers/selfmanaged/versions.js';
import { newClusterState } from '../../src/state/new-state.js';
import type { Machine } from '../../src/state/types.js';

const versionIssues = (input: SpecInput) =>
  validateSpec(applyDefaults({ name: 'v', ...input })).filter((i) => i.path === 'spec.kubernetesVersion');

describe('the supported window (checked against upstream in December 2026)', () => {
  it('is 1.35, 1.36, 1.37, newest first, defaulting to the newest; the newest patch is v1.37.2', () => {
    expect(SELF_MANAGED_MINORS).toEqual(['1.37', '1.36', '1.35']);
    expect(DEFAULT_KUBERNETES_VERSION).toBe('1.37');
    expect(NEWEST_KUBERNETES_PATCH).toBe('v1.37.2');
    expect(minorOf(NEWEST_KUBERNETES_PATCH)).toBe(SELF_MANAGED_MINORS[0]);
    expect(KUBERNETES_CHECKED).toMatch(/^2026-12-\d\d$/);
  });

  it('kind maps exactly the window to digest-pinned images of its release, and its default is the newest', () => {
    expect(Object.keys(KIND.images).sort(byVersion).reverse()).toEqual([...SELF_MANAGED_MINORS]);
    for (const [minor, image] of Object.entries(KIND.images))
      expect(image).toMatch(new RegExp(`^kindest/node:v${minor.replace('.', '\\.')}\\.\\d+@sha256:[0-9a-f]{64}$`));
    expect(KIND.defaultImage).toBe(KIND.images['1.37']);
  });

  it('orders versions numerically', () => {
    expect(['1.9', '1.37', '1.35.10', '1.35.9', 'v1.36.2'].sort(byVersion)).toEqual([
      '1.9',
      '1.35.9',
      '1.35.10',
      'v1.36.2',
      '1.37',
    ]);
  });
});

describe('defaults', () => {
  it("self-managed: the newest minor; managed clouds and kind: none (the cloud's / kind's own default)", () => {
    expect(applyDefaults({ name: 'a', provider: 'ssh' }).kubernetesVersion).toBe('1.37');
    expect(applyDefaults({ name: 'a', provider: 'aws', type: 'selfmanaged' }).kubernetesVersion).toBe('1.37');
    for (const provider of ['aws', 'azure', 'gcp', 'local'] as const) {
      expect(applyDefaults({ name: 'a', provider, type: 'managed' }).kubernetesVersion, provider).toBeUndefined();
    }
  });
});

describe('validation of spec.kubernetesVersion', () => {
  it.each([
    ['self-managed minor in the window', { provider: 'ssh' as const, kubernetesVersion: '1.35' }, []],
    ['self-managed patch in the window', { provider: 'ssh' as const, kubernetesVersion: '1.36.2' }, []],
    [
      'self-managed with a v',
      { provider: 'aws' as const, type: 'selfmanaged' as const, kubernetesVersion: 'v1.37' },
      [],
    ],
    [
      'self-managed 1.34 (left support)',
      { provider: 'ssh' as const, kubernetesVersion: '1.34' },
      ['1.34 is not offered: use one of 1.37, 1.36, 1.35'],
    ],
    [
      'self-managed 1.38 (not released)',
      { provider: 'ssh' as const, kubernetesVersion: '1.38.0' },
      ['1.38.0 is not offered: use one of 1.37, 1.36, 1.35'],
    ],
    [
      'managed: any well-formed minor (the cloud decides)',
      { provider: 'aws' as const, type: 'managed' as const, kubernetesVersion: '1.33' },
      [],
    ],
    ['managed: a patch', { provider: 'azure' as const, type: 'managed' as const, kubernetesVersion: '1.36.6' }, []],
    ['managed: none', { provider: 'gcp' as const, type: 'managed' as const }, []],
    ['kind: a minor of its release', { provider: 'local' as const, kubernetesVersion: '1.36' }, []],
    ['kind: any full version', { provider: 'local' as const, kubernetesVersion: '1.33.4' }, []],
    [
      'kind: a minor without an image',
      { provider: 'local' as const, kubernetesVersion: '1.33' },
      ['1.33 is not offered: use one of 1.37, 1.36, 1.35'],
    ],
  ])('%s', (_name, input, messages) => {
    expect(versionIssues(input).map((i) => i.message)).toEqual(messages);
  });

  it.each(['latest', '1', '1.36.2.1', '1.36-rc', 'stable', '1.36.2+k3s1', ''])(
    'refuses the form %j everywhere, naming the forms it takes',
    (v) => {
      for (const input of [
        { provider: 'ssh' as const },
        { provider: 'aws' as const, type: 'managed' as const },
        { provider: 'local' as const },
      ]) {
        expect(versionIssues({ ...input, kubernetesVersion: v }).map((i) => i.message)).toEqual([
          `"${v}" is not a version: use a minor such as 1.36 or a patch such as 1.37.2`,
        ]);
      }
    },
  );
});

describe('versions read back from machines', () => {
  it('parses the read-back lines and ignores anything else', () => {
    expect(
      parseInstalledVersions(
        'log line\nkubernetes-version distribution v1.37.2+k3s1\nkubernetes-version kubernetes v1.37.2\n',
      ),
    ).toEqual({
      kubernetes: 'v1.37.2',
      distribution: 'v1.37.2+k3s1',
    });
    expect(parseInstalledVersions('kubernetes-version kubernetes v1.37.2\n')).toBeUndefined();
    expect(
      parseInstalledVersions('kubernetes-version kubernetes\nkubernetes-version distribution v1.37.2\n'),
    ).toBeUndefined();
  });

  it('the cluster records what was asked and what control plane 0 runs', () => {
    const spec = applyDefaults({ name: 'c', provider: 'ssh', distribution: 'kubeadm', kubernetesVersion: '1.36' });
    const s = newClusterState(spec);
    const m = (name: string, role: Machine['role'], kubernetes?: string): Machine => ({
      name,
      role,
      sshPort: 22,
      sshUser: 'root',
      hostKeys: [],
      status: 'bootstrapped',
      ...(kubernetes ? { installed: { kubernetes, distribution: kubernetes, readAt: '2026-12-07T00:00:00Z' } } : {}),
    });
    s.machines = {
      'cp-10': m('cp-10', 'controlplane', 'v1.36.6'),
      'cp-2': m('cp-2', 'controlplane', 'v1.36.5'),
      lb: m('lb', 'loadbalancer'),
    };
    recordClusterVersions(s, spec);
    expect(s.versions).toEqual({
      requested: '1.36',
      distribution: 'kubeadm',
      kubernetes: 'v1.36.5',
      kubeadm: 'v1.36.5',
    });
  });
});
