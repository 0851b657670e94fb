/**
 * The certificates and keys a loopback control plane needs, from ksctl's own PKI helpers
 * (src/distro/pki): a cluster CA, the API server's serving certificate, one admin client certificate
 * (O=system:masters, which every component and the test use), a service-account signing key, and a
 * kubeconfig for the admin. Files are 0600 in the control plane's temp directory.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCa, issueCertificate } from '../../src/distro/pki/index.js';
import { writeKubeconfig } from '../../src/kubeconfig/file.js';

/** The first address of the default service range: the `kubernetes` Service's ClusterIP, a SAN upstream puts in. */
export const SERVICE_CIDR = '10.96.0.0/16';
const KUBERNETES_SERVICE_IP = '10.96.0.1';

export interface ControlPlanePki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** PKCS#8 EC key: the API server signs service-account tokens with it (and the token controller). */
  serviceAccountKey: string;
  /** Its public half (SPKI PEM): --service-account-key-file wants a public key, not a PKCS#8 private key. */
  serviceAccountPub: string;
  kubeconfig: string;
  /** The PEM texts, for a Node HTTPS client. */
  pem: { ca: string; cert: string; key: string };
}

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

export async function writeControlPlanePki(dir: string, server: string): Promise<ControlPlanePki> {
  const ca = await createCa({ commonName: 'ksctl-test-kubernetes-ca' });
  const serving = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    sans: [
      '127.0.0.1',
      'localhost',
      KUBERNETES_SERVICE_IP,
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
    usages: ['server'],
  });
  const admin = await issueCertificate(ca, {
    commonName: 'kubernetes-admin',
    organization: 'system:masters',
    usages: ['client'],
  });
  const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pki: ControlPlanePki = {
    caCert: write(dir, 'ca.crt', ca.cert),
    servingCert: write(dir, 'apiserver.crt', serving.cert),
    servingKey: write(dir, 'apiserver.key', serving.key),
    adminCert: write(dir, 'admin.crt', admin.cert),
    adminKey: write(dir, 'admin.key', admin.key),
    serviceAccountKey: write(dir, 'sa.key', sa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    serviceAccountPub: write(dir, 'sa.pub', sa.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    kubeconfig: path.join(dir, 'admin.kubeconfig'),
    pem: { ca: ca.cert, cert: admin.cert, key: admin.key },
  };
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  await writeKubeconfig(pki.kubeconfig, {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'loopback', cluster: { server, 'certificate-authority-data': b64(ca.cert) } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64(admin.cert), 'client-key-data': b64(admin.key) } }],
    contexts: [{ name: 'loopback', context: { cluster: 'loopback', user: 'admin' } }],
    'current-context': 'loopback',
  });
  return pki;
}
