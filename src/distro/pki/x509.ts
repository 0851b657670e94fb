/**
 * A small certificate authority on @peculiar/x509 and Node's WebCrypto: ECDSA P-256 keys (accepted by
 * etcd, k3s, kubeadm and kubectl), PEM certificates, PKCS#8 PEM keys. Validity is computed from an
 * explicit `now`, so tests can pin it; serial numbers are random.
 */
import { isIP } from 'node:net';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DEFAULT_CERT_VALIDITY_DAYS } from '../../api/certs.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// The library is typed against the DOM `Crypto`, which this project's lib set does not include.
x509.cryptoProvider.set(webcrypto as never);

const KEY_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Certificates start a little in the past so a machine whose clock lags still accepts them. */
export const BACKDATE_MS = 5 * 60_000;

/** A certificate and its private key, both PEM (the key as PKCS#8 `PRIVATE KEY`). */
export interface CertificateAndKey {
  cert: string;
  key: string;
}

export interface ValidityOptions {
  /** Reference time; default: the current time. */
  now?: Date;
  /** Lifetime in days from `now`. */
  validityDays?: number;
}

export interface CaOptions extends ValidityOptions {
  commonName: string;
  organization?: string;
}

export type CertUsage = 'server' | 'client';

export interface LeafOptions extends ValidityOptions {
  commonName: string;
  organization?: string;
  /** IP addresses and DNS names; each goes in as the right GeneralName type. */
  sans?: string[];
  usages: CertUsage[];
}

export const DEFAULT_CA_VALIDITY_DAYS = 3650;
/** Leaf default: one place, in src/api (`certs renew` and tests pass their own). */
export { DEFAULT_CERT_VALIDITY_DAYS };

function validity(opts: ValidityOptions, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const now = (opts.now ?? new Date()).getTime();
  const days = opts.validityDays ?? defaultDays;
  if (!(days > 0)) throw new Error(`validity must be positive, got ${days} days`);
  const start = Math.floor(now / 1000) * 1000;
  return { notBefore: new Date(start - BACKDATE_MS), notAfter: new Date(start + days * DAY_MS) };
}

/** 128 random bits, positive (RFC 5280: at most 20 octets, non-negative). */
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = ((b[0] as number) & 0x7f) | 0x01;
  return b.toString('hex');
}

function subject(commonName: string, organization?: string): x509.JsonName {
  return organization ? [{ O: [organization] }, { CN: [commonName] }] : [{ CN: [commonName] }];
}

async function exportKey(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(KEY_ALG, true, ['sign', 'verify']);
}

/** A self-signed CA (path length 0: it signs leaves only). */
export async function createCa(opts: CaOptions): Promise<CertificateAndKey> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subject(opts.commonName, opts.organization),
    ...validity(opts, DEFAULT_CA_VALIDITY_DAYS),
    keys,
    signingAlgorithm: SIGN_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

async function loadCa(ca: CertificateAndKey): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const cert = new x509.X509Certificate(ca.cert);
  const der = x509.PemConverter.decode(ca.key)[0];
  if (!der) throw new Error('CA key is not PEM');
  const key = await webcrypto.subtle.importKey('pkcs8', der, KEY_ALG, false, ['sign']);
  return { cert, key };
}

/** A leaf certificate signed by `ca`, with a new key. */
export async function issueCertificate(ca: CertificateAndKey, opts: LeafOptions): Promise<CertificateAndKey> {
  const issuer = await loadCa(ca);
  const keys = await newKeyPair();
  const usages: string[] = [];
  if (opts.usages.includes('server')) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (opts.usages.includes('client')) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.cert.publicKey),
  ];
  const sans = [...new Set(opts.sans ?? [])];
  if (sans.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        sans.map((v) => ({ type: isIP(v) ? 'ip' : 'dns', value: v })),
        false,
      ),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: subject(opts.commonName, opts.organization),
    issuer: issuer.cert.subjectName,
    ...validity(opts, DEFAULT_CERT_VALIDITY_DAYS),
    publicKey: keys.publicKey,
    signingKey: issuer.key,
    signingAlgorithm: SIGN_ALG,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}
