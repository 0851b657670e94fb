/**
 * spec.airgap.images: image archives in the air-gap directory that ksctl uploads to every node and
 * imports into containerd before `kubeadm init/join` (k3s: into its agent/images directory).
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { ClusterFileSchema } from '../../src/api/v1alpha1/schema.js';
import { validateSpec } from '../../src/api/validate.js';
import { airgapOf } from '../../src/distro/controllers/node-input.js';
import type { Topology } from '../../src/distro/controllers/types.js';
import { kubeadmInstallScript } from '../../src/distro/scripts/kubeadm-install.js';
import { specDifferences } from '../../src/managers/spec-drift.js';

const spec = (airgap: Record<string, unknown>, more: Record<string, unknown> = {}) =>
  applyDefaults({ name: 'demo', provider: 'aws', type: 'selfmanaged', distribution: 'kubeadm', airgap, ...more });
const issues = (airgap: Record<string, unknown>, more: Record<string, unknown> = {}) =>
  validateSpec(spec(airgap, more)).filter((i) => i.path.startsWith('spec.airgap'));

describe('spec.airgap.images', () => {
  it('defaults to none and accepts plain .tar file names of an air-gapped self-managed cluster', () => {
    expect(applyDefaults({ name: 'demo', provider: 'aws', type: 'selfmanaged' }).airgap).toEqual({
      enabled: false,
      images: [],
    });
    expect(issues({ enabled: true, dir: '/srv/airgap', images: ['kube-apiserver.tar', 'pause_3.10.2+x.tar'] })).toEqual(
      [],
    );
  });

  it('refuses names with a directory, hidden or compressed files and duplicates, naming each entry', () => {
    const got = issues({
      enabled: true,
      dir: '/srv/airgap',
      images: ['../x.tar', '.hidden.tar', 'pause.tar.gz', 'a b.tar', 'pause.tar', 'pause.tar'],
    });
    expect(got.map((i) => i.path)).toEqual([
      'spec.airgap.images[0]',
      'spec.airgap.images[1]',
      'spec.airgap.images[2]',
      'spec.airgap.images[3]',
      'spec.airgap.images[5]',
    ]);
    expect(got[0]!.message).toBe(
      '"../x.tar" must be the file name (no directory) of an uncompressed image archive ending in .tar, in spec.airgap.dir, as `ctr images export` or `docker save` writes it',
    );
    expect(got[4]!.message).toBe('lists "pause.tar" twice: remove one');
  });

  it('needs an enabled air gap with a directory, and a self-managed cluster', () => {
    expect(issues({ images: ['pause.tar'] })).toEqual([
      {
        path: 'spec.airgap.images',
        message:
          'lists image archives for an air-gapped install: set spec.airgap.enabled: true and spec.airgap.dir (the directory holding them), or remove it',
      },
    ]);
    expect(
      validateSpec(
        applyDefaults({
          name: 'demo',
          provider: 'gcp',
          type: 'managed',
          airgap: { enabled: true, dir: '/a', images: ['pause.tar'] },
        }),
      ).map((i) => i.path),
    ).toContain('spec.airgap.images');
  });

  it('lets a cluster recorded before the field existed resume (no images = an empty list), but not a changed list', () => {
    const recorded = spec({ enabled: true, dir: '/srv/airgap' });
    delete (recorded.airgap as { images?: string[] }).images;
    expect(specDifferences(recorded, spec({ enabled: true, dir: '/srv/airgap' }))).toEqual([]);
    expect(specDifferences(recorded, spec({ enabled: true, dir: '/srv/airgap', images: ['pause.tar'] }))).toEqual([
      'airgap',
    ]);
  });

  it('is a list of at most 100 short strings in the cluster file', () => {
    const file = (images: unknown) =>
      ClusterFileSchema.safeParse({
        apiVersion: 'ksctl.io/v1alpha1',
        kind: 'Cluster',
        spec: { airgap: { enabled: true, dir: '/a', images } },
      }).success;
    expect(file(['pause.tar'])).toBe(true);
    expect(file('pause.tar')).toBe(false);
    expect(file(Array.from({ length: 101 }, (_, i) => `i${i}.tar`))).toBe(false);
  });

  it('reaches every node script: uploaded to the air-gap images directory and imported into containerd', () => {
    const t = {
      spec: spec({ enabled: true, dir: '/srv/airgap', images: ['kube-apiserver.tar', 'pause.tar'] }),
    } as Topology;
    expect(airgapOf(t)).toEqual({ images: ['kube-apiserver.tar', 'pause.tar'] });
    expect(airgapOf({ spec: spec({ enabled: true, dir: '/srv/airgap' }) } as Topology)).toEqual({});
    expect(airgapOf({ spec: spec({}) } as Topology)).toBeUndefined();
    const s = kubeadmInstallScript({ kubernetesVersion: '1.37', airgap: airgapOf(t)! });
    expect(s.files?.map((f) => [f.path, f.contentRef])).toEqual([
      ['/var/lib/ksctl/airgap/images/kube-apiserver.tar', 'artifact:kube-apiserver.tar'],
      ['/var/lib/ksctl/airgap/images/pause.tar', 'artifact:pause.tar'],
    ]);
    // Imported after containerd (re)started with ksctl's config, before init/join runs (a later script).
    const body = s.body;
    // ... and once containerd's CRI plugin is up (an init that does not wait for containerd's readiness
    // left kubeadm's preflight with "unknown service runtime.v1.RuntimeService").
    const wait = body.indexOf('ctr plugins ls');
    expect(wait).toBeGreaterThan(body.indexOf('systemctl restart containerd'));
    expect(body.indexOf('ctr -n k8s.io images import "$image"')).toBeGreaterThan(wait);
  });
});
