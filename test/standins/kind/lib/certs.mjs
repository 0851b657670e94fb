// kind stand-in: the credentials "kubeadm init" would put in admin.conf — a cluster CA
// (CN=kubernetes) and an RSA-2048 client certificate for O=kubeadm:cluster-admins,
// CN=kubernetes-admin signed by it. Node can make keys but not certificates, so signing uses
// the openssl CLI. Returned as the base64 PEM kubeconfigs carry (*-data fields).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const b64 = (pem) => Buffer.from(pem).toString('base64');

const generateKeyPair = promisify(crypto.generateKeyPair);

async function rsaKey() {
  const { privateKey } = await generateKeyPair('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }); // kubeadm writes "RSA PRIVATE KEY"
}

export async function adminCredentials() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-standin-pki-'));
  const f = (name) => path.join(dir, name);
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const [caKey, clientKey] = await Promise.all([rsaKey(), rsaKey()]);
    fs.writeFileSync(f('ca.key'), caKey, { mode: 0o600 });
    fs.writeFileSync(f('client.key'), clientKey, { mode: 0o600 });
    fs.writeFileSync(
      f('client.ext'),
      'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    );
    openssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=kubernetes', '-days', '3650', '-out', 'ca.crt');
    openssl(
      'req',
      '-new',
      '-key',
      'client.key',
      '-subj',
      '/O=kubeadm:cluster-admins/CN=kubernetes-admin',
      '-out',
      'client.csr',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${crypto.randomBytes(8).toString('hex')}`,
      '-days',
      '365',
      '-extfile',
      'client.ext',
      '-out',
      'client.crt',
    );
    return {
      caData: b64(fs.readFileSync(f('ca.crt'))),
      certData: b64(fs.readFileSync(f('client.crt'))),
      keyData: b64(clientKey),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
