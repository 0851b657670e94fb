/**
 * Which certificates ksctl issued for a self-managed cluster, where each is kept (SecretStore entry
 * names, never contents) and which machines use it. Pure: built from state and the secret names.
 */
import { SECRET_NAMES, etcdMemberSecretNames } from '../../distro/pki/names.js';
import type { ClusterState } from '../../state/types.js';

export type IssuedKind = 'etcd-ca' | 'kubernetes-ca' | 'etcd-server' | 'etcd-peer' | 'etcd-apiserver-client';

export interface IssuedCert {
  /** Stable id, e.g. `etcd-peer/etcd-1`: what `certs check` lists and a renewal records. */
  id: string;
  kind: IssuedKind;
  /** SecretStore entry holding the PEM certificate. */
  certSecret: string;
  /** SecretStore entry holding its private key (read only to renew; never shown). */
  keySecret: string;
  /** The etcd member it belongs to (server and peer certificates). */
  member?: string;
  /** Machines that use it. */
  usedBy: string[];
  /** CAs are kept (renewing one would mean re-trusting every member at once); leaves are renewed. */
  renewable: boolean;
}

const byName = new Intl.Collator('en', { numeric: true }).compare;

function machinesOf(s: ClusterState, role: string): string[] {
  return Object.values(s.machines)
    .filter((m) => m.role === role && m.status !== 'removing')
    .map((m) => m.name)
    .sort(byName);
}

/** Every certificate ksctl issued for the cluster whose entry exists, CAs first, then per member, then the client. */
export function issuedCertificates(s: ClusterState, secretNames: readonly string[]): IssuedCert[] {
  const have = new Set(secretNames);
  const etcd = machinesOf(s, 'etcd');
  const cps = machinesOf(s, 'controlplane');
  const out: IssuedCert[] = [];
  if (have.has(SECRET_NAMES.etcdCaCert)) {
    out.push({
      id: 'etcd-ca',
      kind: 'etcd-ca',
      certSecret: SECRET_NAMES.etcdCaCert,
      keySecret: SECRET_NAMES.etcdCaKey,
      usedBy: [...etcd, ...cps],
      renewable: false,
    });
  }
  if (have.has(SECRET_NAMES.kubernetesCaCert)) {
    out.push({
      id: 'kubernetes-ca',
      kind: 'kubernetes-ca',
      certSecret: SECRET_NAMES.kubernetesCaCert,
      keySecret: SECRET_NAMES.kubernetesCaKey,
      usedBy: [...cps, ...machinesOf(s, 'worker')],
      renewable: false,
    });
  }
  for (const m of etcd) {
    const n = etcdMemberSecretNames(m);
    if (have.has(n.serverCert))
      out.push({
        id: `etcd-server/${m}`,
        kind: 'etcd-server',
        certSecret: n.serverCert,
        keySecret: n.serverKey,
        member: m,
        usedBy: [m],
        renewable: true,
      });
    if (have.has(n.peerCert))
      out.push({
        id: `etcd-peer/${m}`,
        kind: 'etcd-peer',
        certSecret: n.peerCert,
        keySecret: n.peerKey,
        member: m,
        usedBy: [m],
        renewable: true,
      });
  }
  if (have.has(SECRET_NAMES.etcdClientCert)) {
    out.push({
      id: 'etcd-apiserver-client',
      kind: 'etcd-apiserver-client',
      certSecret: SECRET_NAMES.etcdClientCert,
      keySecret: SECRET_NAMES.etcdClientKey,
      usedBy: cps,
      renewable: true,
    });
  }
  return out;
}
