import { describe, expect, it } from 'vitest';
import {
  ETCD_CLIENT_CN,
  etcdPkiSecrets,
  generateEtcdPki,
  issueEtcdMemberCerts,
} from '../../../src/distro/pki/index.js';
import { verify, x509 } from './openssl.js';

const members = [
  { name: 'etcd-0', addresses: ['10.0.1.10'] },
  { name: 'etcd-1', addresses: ['10.0.1.11', 'etcd-1.internal'] },
];

describe('generateEtcdPki', () => {
  it('server and peer certs per member, SANs 127.0.0.1, localhost and the member addresses', async () => {
    const pki = await generateEtcdPki({ cluster: 'demo', members, certValidityDays: 90 });
    expect(x509(pki.ca.cert, '-subject')).toContain('etcd-ca-demo');
    for (const m of members) {
      const certs = pki.members[m.name]!;
      for (const c of [certs.server, certs.peer]) {
        expect(verify(pki.ca.cert, c.cert, 'sslserver').status).toBe(0);
        expect(verify(pki.ca.cert, c.cert, 'sslclient').status).toBe(0);
        const san = x509(c.cert, '-ext', 'subjectAltName');
        expect(san).toContain('IP Address:127.0.0.1');
        expect(san).toContain('DNS:localhost');
        expect(san).toContain(`IP Address:${m.addresses[0]}`);
      }
    }
    expect(x509(pki.members['etcd-1']!.server.cert, '-ext', 'subjectAltName')).toContain('DNS:etcd-1.internal');
    expect(x509(pki.apiServerClient.cert, '-subject')).toContain(ETCD_CLIENT_CN);
    expect(verify(pki.ca.cert, pki.apiServerClient.cert, 'sslclient').status).toBe(0);
  });

  it('as SecretStore entries, under the names the scripts upload', async () => {
    const pki = await generateEtcdPki({ cluster: 'demo', members });
    expect(Object.keys(etcdPkiSecrets(pki)).sort()).toEqual(
      [
        'etcd-ca.crt',
        'etcd-ca.key',
        'etcd-apiserver-client.crt',
        'etcd-apiserver-client.key',
        'etcd-etcd-0-server.crt',
        'etcd-etcd-0-server.key',
        'etcd-etcd-0-peer.crt',
        'etcd-etcd-0-peer.key',
        'etcd-etcd-1-server.crt',
        'etcd-etcd-1-server.key',
        'etcd-etcd-1-peer.crt',
        'etcd-etcd-1-peer.key',
      ].sort(),
    );
  });

  it('issues certificates for a new member from the stored CA', async () => {
    const pki = await generateEtcdPki({ cluster: 'demo', members });
    const added = await issueEtcdMemberCerts(pki.ca, { name: 'etcd-2', addresses: ['10.0.1.12'] });
    expect(verify(pki.ca.cert, added.server.cert, 'sslserver').status).toBe(0);
  });
});
