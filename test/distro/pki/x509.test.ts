import { describe, expect, it } from 'vitest';
import { createCa, issueCertificate } from '../../../src/distro/pki/index.js';
import { publicKeyOfCert, publicKeyOfKey, run, verify, x509 } from './openssl.js';

const NOW = new Date('2025-03-01T12:00:00.000Z');

describe('createCa', () => {
  it('self-signed ECDSA P-256 CA with deterministic validity (10 years by default)', async () => {
    const ca = await createCa({ commonName: 'test-ca', organization: 'ksctl', now: NOW });
    expect(x509(ca.cert, '-subject')).toMatch(/O\s*=\s*ksctl, CN\s*=\s*test-ca/);
    expect(x509(ca.cert, '-startdate')).toContain('notBefore=Mar  1 11:55:00 2025 GMT');
    expect(x509(ca.cert, '-enddate')).toContain('notAfter=Feb 27 12:00:00 2035 GMT');
    const text = x509(ca.cert, '-text');
    expect(text).toContain('ASN1 OID: prime256v1');
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
    expect(ca.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicKeyOfKey(ca.key)).toBe(publicKeyOfCert(ca.cert));
    expect(verify(ca.cert, ca.cert).status).toBe(0);
  });

  it('random, positive serial numbers', async () => {
    const a = await createCa({ commonName: 'a', now: NOW });
    const b = await createCa({ commonName: 'a', now: NOW });
    const serial = (pem: string) => x509(pem, '-serial').trim().replace('serial=', '');
    expect(serial(a.cert)).not.toBe(serial(b.cert));
    expect(parseInt(serial(a.cert).slice(0, 2), 16)).toBeLessThan(0x80);
  });
});

describe('issueCertificate', () => {
  it('server+client leaf: verifies against the CA for both purposes, SANs typed, 1 year by default', async () => {
    const ca = await createCa({ commonName: 'ca', now: NOW });
    const leaf = await issueCertificate(ca, {
      commonName: 'srv',
      sans: ['127.0.0.1', 'localhost', 'fd00::1', 'srv.internal'],
      usages: ['server', 'client'],
      now: NOW,
    });
    const during = new Date(NOW.getTime() + 86_400_000);
    expect(verify(ca.cert, leaf.cert, 'sslserver', during).status).toBe(0);
    expect(verify(ca.cert, leaf.cert, 'sslclient', during).status).toBe(0);
    // Validity is enforced: a day after the year is up, it no longer verifies.
    expect(verify(ca.cert, leaf.cert, 'sslserver', new Date(NOW.getTime() + 366 * 86_400_000)).status).not.toBe(0);
    const san = x509(leaf.cert, '-ext', 'subjectAltName');
    for (const s of ['IP Address:127.0.0.1', 'DNS:localhost', 'IP Address:FD00:0:0:0:0:0:0:1', 'DNS:srv.internal'])
      expect(san).toContain(s);
    expect(x509(leaf.cert, '-enddate')).toContain('notAfter=Mar  1 12:00:00 2026 GMT');
    expect(x509(leaf.cert, '-text')).toMatch(/CA:FALSE/);
    expect(publicKeyOfKey(leaf.key)).toBe(publicKeyOfCert(leaf.cert));
  });

  it('client-only leaf is refused as a server', async () => {
    const ca = await createCa({ commonName: 'ca' });
    const client = await issueCertificate(ca, { commonName: 'c', usages: ['client'], validityDays: 30 });
    expect(verify(ca.cert, client.cert, 'sslclient').status).toBe(0);
    expect(verify(ca.cert, client.cert, 'sslserver').status).not.toBe(0);
  });

  it('a certificate from another CA does not verify', async () => {
    const ca = await createCa({ commonName: 'ca' });
    const other = await createCa({ commonName: 'ca' });
    const leaf = await issueCertificate(other, { commonName: 'x', usages: ['server'] });
    expect(verify(ca.cert, leaf.cert).status).not.toBe(0);
  });

  it('keys are PKCS#8 EC keys openssl reads', async () => {
    const ca = await createCa({ commonName: 'ca' });
    expect(run('openssl', ['pkey', '-noout', '-text'], ca.key).out).toContain('ASN1 OID: prime256v1');
  });
});
