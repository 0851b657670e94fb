/**
 * `ksctl certs`: expiry verdicts, which certificates a renewal re-issues, renewal keeping subject,
 * SANs, usages and the CA, and nothing secret in what `certs check` reports or prints.
 */
import { describe, expect, it } from 'vitest';
import * as x509 from '@peculiar/x509';
import { applyDefaults } from '../../src/api/defaults.js';
import { certValidityDays, parseWithin, renewSelection } from '../../src/api/certs.js';
import { ensureEtcdPki } from '../../src/distro/cluster-secrets.js';
import { inspectCertificate, keyMatchesCertificate } from '../../src/distro/pki/inspect.js';
import { reissueCertificate } from '../../src/distro/pki/reissue.js';
import { issuedCertificates } from '../../src/managers/certs/inventory.js';
import { readReports } from '../../src/managers/certs/report.js';
import { classify, isDue, type CertReport } from '../../src/managers/certs/status.js';
import { certsTable } from '../../src/commands/certs-action.js';
import { isKsctlError } from '../../src/errors.js';
import { memoryContext } from '../fakes/memory-cluster.js';

const DAY = 86_400_000;
const now = new Date('2026-12-07T06:00:00Z');

describe('classify', () => {
  it.each([
    [400, 'ok', 400],
    [30.5, 'ok', 30],
    [29.9, 'expiring', 29],
    [0.001, 'expiring', 0],
    [0, 'expired', 0],
    [-2.5, 'expired', -3],
  ] as const)('%s days left → %s', (days, status, daysLeft) => {
    expect(classify(new Date(now.getTime() + days * DAY), now, 30)).toEqual({ status, daysLeft });
  });
});

const report = (over: Partial<CertReport>): CertReport => ({
  id: 'etcd-server/etcd-0',
  kind: 'etcd-server',
  member: 'etcd-0',
  usedBy: ['etcd-0'],
  renewable: true,
  subject: 'CN=etcd-0',
  sans: [],
  notBefore: new Date(now.getTime() - 300 * DAY).toISOString(),
  notAfter: new Date(now.getTime() + 65 * DAY).toISOString(),
  daysLeft: 65,
  status: 'ok',
  keyMatches: true,
  ...over,
});

describe('isDue', () => {
  it('--within renews what expires inside the window, CAs never', () => {
    expect(isDue(report({}), { all: false, withinDays: 30 }, now, now)).toBe(false);
    expect(isDue(report({}), { all: false, withinDays: 90 }, now, now)).toBe(true);
    expect(
      isDue(
        report({ notAfter: new Date(now.getTime() - DAY).toISOString() }),
        { all: false, withinDays: 30 },
        now,
        now,
      ),
    ).toBe(true);
    expect(
      isDue(
        report({ renewable: false, notAfter: new Date(now.getTime() - DAY).toISOString() }),
        { all: true },
        now,
        now,
      ),
    ).toBe(false);
  });
  it('--all renews what was issued before the renewal began, not what it issued itself', () => {
    const since = now;
    expect(isDue(report({}), { all: true }, now, since)).toBe(true);
    // Issued one minute into the renewal: notBefore is backdated by 5 minutes.
    const fresh = new Date(since.getTime() + 60_000 - 5 * 60_000).toISOString();
    expect(isDue(report({ notBefore: fresh }), { all: true }, new Date(since.getTime() + 120_000), since)).toBe(false);
  });
  it('a certificate whose stored key does not match is always due', () => {
    expect(isDue(report({ keyMatches: false }), { all: false, withinDays: 1 }, now, now)).toBe(true);
  });
});

describe('flags and environment', () => {
  it.each([
    ['30d', 30],
    ['7', 7],
    [' 365d ', 365],
  ] as const)('--within %s → %s days', (v, d) => expect(parseWithin(v)).toBe(d));
  it.each(['0d', '30m', '-1', 'abc', '99999d', ''])('--within %j is bad input (exit 2, names the flag)', (v) => {
    try {
      parseWithin(v);
      expect.unreachable();
    } catch (e) {
      expect(isKsctlError(e) && e.exitCode).toBe(2);
      expect((e as Error).message).toContain('--within');
    }
  });
  it('--all and --within together are refused; default is 30 days', () => {
    expect(() => renewSelection({ all: true, within: '10d' })).toThrow(/alternatives/);
    expect(renewSelection({})).toEqual({ all: false, withinDays: 30 });
    expect(renewSelection({ all: true })).toEqual({ all: true });
  });
  it('KSCTL_CERT_VALIDITY_DAYS: default 365, fractions for tests, junk refused', () => {
    expect(certValidityDays({})).toBe(365);
    expect(certValidityDays({ KSCTL_CERT_VALIDITY_DAYS: '0.003' })).toBe(0.003);
    for (const bad of ['0', '-1', '1e3', 'soon', '4000'])
      expect(() => certValidityDays({ KSCTL_CERT_VALIDITY_DAYS: bad })).toThrow(/KSCTL_CERT_VALIDITY_DAYS/);
  });
});

async function cluster() {
  const ctx = memoryContext(applyDefaults({ name: 'c1', provider: 'aws', type: 'selfmanaged' }));
  await ctx.cluster.update((s) => {
    for (const i of [0, 1, 2])
      s.machines[`etcd-${i}`] = {
        name: `etcd-${i}`,
        role: 'etcd',
        privateAddress: `10.0.0.${10 + i}`,
        sshPort: 22,
        sshUser: 'u',
        hostKeys: [],
        status: 'bootstrapped',
      };
    for (const i of [0, 1])
      s.machines[`cp-${i}`] = {
        name: `cp-${i}`,
        role: 'controlplane',
        privateAddress: `10.0.1.${10 + i}`,
        sshPort: 22,
        sshUser: 'u',
        hostKeys: [],
        status: 'bootstrapped',
      };
  });
  await ensureEtcdPki(
    ctx.cluster.secrets,
    'c1',
    [0, 1, 2].map((i) => ({ name: `etcd-${i}`, addresses: [`10.0.0.${10 + i}`, `203.0.113.${i}`] })),
  );
  return ctx;
}

describe('inventory and reports', () => {
  it('lists the CA, a server and a peer certificate per member and the API-server client, with the machines using each', async () => {
    const ctx = await cluster();
    const certs = issuedCertificates(ctx.cluster.state!, await ctx.cluster.secrets.list());
    expect(certs.map((c) => c.id)).toEqual([
      'etcd-ca',
      'etcd-server/etcd-0',
      'etcd-peer/etcd-0',
      'etcd-server/etcd-1',
      'etcd-peer/etcd-1',
      'etcd-server/etcd-2',
      'etcd-peer/etcd-2',
      'etcd-apiserver-client',
    ]);
    expect(certs.find((c) => c.id === 'etcd-apiserver-client')!.usedBy).toEqual(['cp-0', 'cp-1']);
    expect(certs.find((c) => c.id === 'etcd-peer/etcd-1')!.usedBy).toEqual(['etcd-1']);
    expect(certs.find((c) => c.id === 'etcd-ca')!.renewable).toBe(false);
  });

  it('reports subject, SANs and expiry, and neither the report, its JSON nor its table holds a key or a PEM', async () => {
    const ctx = await cluster();
    const reports = await readReports(ctx.cluster.state!, ctx.cluster.secrets, new Date(), 30);
    const server1 = reports.find((r) => r.id === 'etcd-server/etcd-1')!;
    expect(server1.subject).toBe('CN=etcd-1');
    expect(server1.sans).toEqual(expect.arrayContaining(['127.0.0.1', 'localhost', '10.0.0.11', '203.0.113.1']));
    expect(server1.status).toBe('ok');
    expect(server1.daysLeft).toBeGreaterThanOrEqual(364);
    expect(reports.every((r) => r.keyMatches)).toBe(true);
    const shown = `${JSON.stringify(reports)}\n${certsTable(reports)}`;
    expect(shown).not.toMatch(/BEGIN|PRIVATE|MII/);
    for (const name of await ctx.cluster.secrets.list()) {
      const body = (await ctx.cluster.secrets.get(name))!.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
      // No 40-character run of any stored PEM body (certificate or key) appears in the output.
      for (let i = 0; i + 40 <= body.length; i += 40) expect(shown.includes(body.slice(i, i + 40))).toBe(false);
    }
  });

  it('flags short-lived certificates as expiring and a mismatched key', async () => {
    const ctx = await cluster();
    const s = ctx.cluster.secrets;
    const ca = { cert: (await s.get('etcd-ca.crt'))!, key: (await s.get('etcd-ca.key'))! };
    const short = await reissueCertificate(ca, (await s.get('etcd-etcd-0-peer.crt'))!, { validityDays: 0.01 });
    await s.put('etcd-etcd-0-peer.crt', short.cert);
    await s.put('etcd-etcd-0-peer.key', short.key);
    await s.put('etcd-etcd-1-peer.key', short.key); // as if a renewal stopped between the two writes
    const reports = await readReports(ctx.cluster.state!, s, new Date(), 30);
    expect(reports.find((r) => r.id === 'etcd-peer/etcd-0')).toMatchObject({
      status: 'expiring',
      daysLeft: 0,
      keyMatches: true,
    });
    expect(reports.find((r) => r.id === 'etcd-peer/etcd-1')).toMatchObject({ status: 'ok', keyMatches: false });
  });
});

describe('reissueCertificate', () => {
  it('keeps subject, SANs and usages, signs with the same CA, and uses a new key', async () => {
    const ctx = await cluster();
    const s = ctx.cluster.secrets;
    const ca = { cert: (await s.get('etcd-ca.crt'))!, key: (await s.get('etcd-ca.key'))! };
    for (const name of ['etcd-etcd-2-server.crt', 'etcd-apiserver-client.crt']) {
      const old = (await s.get(name))!;
      const next = await reissueCertificate(ca, old, { validityDays: 10 });
      const a = inspectCertificate(old);
      const b = inspectCertificate(next.cert);
      expect({ subject: b.subject, sans: b.sans, usages: b.usages, issuer: b.issuer }).toEqual({
        subject: a.subject,
        sans: a.sans,
        usages: a.usages,
        issuer: a.issuer,
      });
      expect(b.serial).not.toBe(a.serial);
      expect(Math.round((b.notAfter.getTime() - Date.now()) / DAY)).toBe(10);
      expect(
        await new x509.X509Certificate(next.cert).verify({
          publicKey: new x509.X509Certificate(ca.cert).publicKey,
          signatureOnly: true,
        }),
      ).toBe(true);
      expect(keyMatchesCertificate(next.cert, next.key)).toBe(true);
      expect(keyMatchesCertificate(old, next.key)).toBe(false);
    }
    await expect(reissueCertificate(ca, ca.cert, {})).rejects.toThrow(/is a CA/);
  });
});
