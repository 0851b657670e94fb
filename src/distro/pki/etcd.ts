/**
 * The external etcd cluster's PKI: its own CA, a server and a peer certificate per member, and one
 * client certificate for the API servers (k3s or kube-apiserver).
 */
import { SECRET_NAMES, etcdMemberSecretNames } from './names.js';
import { createCa, issueCertificate, type CertUsage, type CertificateAndKey, type ValidityOptions } from './x509.js';

export interface EtcdPkiMember {
  name: string;
  /** Private address(es) the member is reached at; all go into its server and peer SANs. */
  addresses: string[];
}

export interface EtcdPkiOptions {
  /** Cluster name, in the CA's common name. */
  cluster: string;
  members: EtcdPkiMember[];
  /** Reference time for every certificate; default: now. */
  now?: Date;
  /** Default 3650. */
  caValidityDays?: number;
  /** Default 365. */
  certValidityDays?: number;
}

export interface EtcdMemberCerts {
  /** serverAuth + clientAuth: etcd's gRPC gateway dials its own client port with this certificate. */
  server: CertificateAndKey;
  peer: CertificateAndKey;
}

export interface EtcdPki {
  ca: CertificateAndKey;
  members: Record<string, EtcdMemberCerts>;
  /** CN `kube-apiserver-etcd-client`, clientAuth. */
  apiServerClient: CertificateAndKey;
}

export const ETCD_CLIENT_CN = 'kube-apiserver-etcd-client';

/** Server and peer certificates for one member, from an existing CA (also used when adding a member). */
export async function issueEtcdMemberCerts(
  ca: CertificateAndKey,
  member: EtcdPkiMember,
  opts: ValidityOptions = {},
): Promise<EtcdMemberCerts> {
  const base = {
    ...opts,
    sans: ['127.0.0.1', 'localhost', ...member.addresses],
    usages: ['server', 'client'] as CertUsage[],
  };
  return {
    server: await issueCertificate(ca, { ...base, commonName: member.name }),
    peer: await issueCertificate(ca, { ...base, commonName: `${member.name}-peer` }),
  };
}

/** Everything the etcd cluster and its clients need. */
export async function generateEtcdPki(opts: EtcdPkiOptions): Promise<EtcdPki> {
  const leaf: ValidityOptions = { validityDays: opts.certValidityDays };
  if (opts.now) leaf.now = opts.now;
  const ca = await createCa({
    commonName: `etcd-ca-${opts.cluster}`,
    organization: 'ksctl',
    validityDays: opts.caValidityDays,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const members: Record<string, EtcdMemberCerts> = {};
  for (const m of opts.members) members[m.name] = await issueEtcdMemberCerts(ca, m, leaf);
  const apiServerClient = await issueCertificate(ca, { ...leaf, commonName: ETCD_CLIENT_CN, usages: ['client'] });
  return { ca, members, apiServerClient };
}

/** The PKI as SecretStore entries (name → PEM), using the names the scripts reference. */
export function etcdPkiSecrets(pki: EtcdPki): Record<string, string> {
  const out: Record<string, string> = {
    [SECRET_NAMES.etcdCaCert]: pki.ca.cert,
    [SECRET_NAMES.etcdCaKey]: pki.ca.key,
    [SECRET_NAMES.etcdClientCert]: pki.apiServerClient.cert,
    [SECRET_NAMES.etcdClientKey]: pki.apiServerClient.key,
  };
  for (const [name, certs] of Object.entries(pki.members)) {
    const n = etcdMemberSecretNames(name);
    out[n.serverCert] = certs.server.cert;
    out[n.serverKey] = certs.server.key;
    out[n.peerCert] = certs.peer.cert;
    out[n.peerKey] = certs.peer.key;
  }
  return out;
}
