import { describe, expect, it } from 'vitest';
import { caCertHash, generateKubernetesCa, kubernetesCaSecrets } from '../../../src/distro/pki/index.js';
import { run, x509 } from './openssl.js';

describe('Kubernetes CA', () => {
  it('CN kubernetes, and the discovery hash kubeadm computes (sha256 of the SPKI)', async () => {
    const ca = await generateKubernetesCa();
    expect(x509(ca.cert, '-subject')).toMatch(/CN\s*=\s*kubernetes/);
    const pub = run('openssl', ['x509', '-pubkey', '-noout'], ca.cert).out;
    const der = run('bash', ['-c', 'openssl pkey -pubin -outform der | sha256sum | cut -d" " -f1'], pub).out.trim();
    expect(caCertHash(ca.cert)).toBe(`sha256:${der}`);
    expect(Object.keys(kubernetesCaSecrets(ca))).toEqual(['kubernetes-ca.crt', 'kubernetes-ca.key']);
  });
});
