/**
 * A cluster's shape as far as its etcd data is concerned, and the checks a restore makes before it
 * touches anything: the bundle must be this cluster's, of the same shape, and readable with its key.
 * Each refusal is bad input (exit 2): nothing has been recorded or changed when they run.
 */
import { formatClusterId, type ClusterSpec } from '../../api/types.js';
import type { BackupManifest, BackupShape } from '../../backup/manifest.js';
import { InputError } from '../../errors.js';
import type { ClusterState } from '../../state/types.js';

export function clusterShape(s: ClusterState): BackupShape {
  return specShape(s.spec, s.versions.kubernetes);
}

/** The shape a spec asks for (`version`: the one read back from the machines, when known). */
export function specShape(spec: ClusterSpec, version?: string): BackupShape {
  const external = spec.etcd.count > 0;
  const v = version ?? spec.kubernetesVersion ?? '';
  const distribution = spec.distribution ?? 'k3s';
  return {
    distribution,
    // Without etcd machines the members are the control planes: k3s's embedded etcd, kubeadm's stacked.
    etcd: external ? 'external' : distribution === 'kubeadm' ? 'stacked' : 'embedded',
    members: external ? spec.etcd.count : spec.controlPlane.count,
    kubernetes: v.replace(/^v/, '').split('.').slice(0, 2).join('.'),
  };
}

export function describeShape(s: BackupShape): string {
  return `${s.distribution}, ${s.etcd} etcd with ${s.members} member${s.members === 1 ? '' : 's'}, Kubernetes ${s.kubernetes}`;
}

export function assertRestorable(m: BackupManifest, s: ClusterState, keyFingerprint: string | undefined): void {
  const id = s.id;
  if (m.cluster.provider !== id.provider || m.cluster.region !== id.region || m.cluster.name !== id.name) {
    throw new InputError(
      `backup ${m.name} belongs to cluster ${formatClusterId(m.cluster)}, not ${formatClusterId(id)}: a restore never crosses clusters`,
      ['<bundle>'],
    );
  }
  const want = clusterShape(s);
  const diff = (Object.keys(want) as (keyof BackupShape)[]).filter((k) => String(want[k]) !== String(m.shape[k]));
  if (diff.length > 0) {
    throw new InputError(
      `backup ${m.name} is of another shape (${describeShape(m.shape)}) than ${id.name} (${describeShape(want)}): ${diff.join(', ')} differ`,
      ['<bundle>'],
    );
  }
  if (keyFingerprint === undefined) {
    throw new InputError(
      `cluster ${id.name} has no backup key (secret "backup-key"): put the key of the cluster that made ${m.name} there`,
      ['backup-key'],
    );
  }
  if (keyFingerprint !== m.keyFingerprint) {
    throw new InputError(
      `backup ${m.name} was encrypted with another key (fingerprint ${m.keyFingerprint}) than ${id.name}'s (${keyFingerprint})`,
      ['backup-key'],
    );
  }
}
