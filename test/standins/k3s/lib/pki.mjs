// TEST STAND-IN support (not shipped): X.509 material for the stand-in control planes.
// Node can parse but not issue certificates, so issuing goes through the real `openssl` CLI
// (present on every test host). Keys are ECDSA P-256 like k3s uses (fast to generate).
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function withTmp(fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-pki-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(args, cwd) {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** A new private key as PEM (PKCS#8). */
export function newKey() {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' });
}

/** "/CN=a/O=b/O=c" from { cn, o: [...] } (openssl -subj syntax). */
function subject({ cn, o = [] }) {
  const esc = (s) => String(s).replace(/[/\\]/g, '\\$&');
  return [...[].concat(o).map((x) => `/O=${esc(x)}`), `/CN=${esc(cn)}`].join('');
}

/** A self-signed CA { cert, key } valid for 10 years. */
export function newCA(cn) {
  const key = newKey();
  const cert = withTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'ca.key'), key);
    return openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        'ca.key',
        '-subj',
        subject({ cn }),
        '-days',
        '3650',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      ],
      dir,
    );
  });
  return { cert, key };
}

function extFile({ sans = [], usage }) {
  const eku = usage === 'server' ? 'serverAuth' : usage === 'client' ? 'clientAuth' : 'serverAuth,clientAuth';
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
  ];
  const alt = [...new Set(sans.filter(Boolean))].map((s) => (/^[\d.]+$|:/.test(s) ? `IP:${s}` : `DNS:${s}`));
  if (alt.length) lines.push(`subjectAltName=${alt.join(',')}`);
  return lines.join('\n') + '\n';
}

/** Sign a CSR (PEM) with the CA; subject taken from the CSR. */
export function signCSR(ca, csr, { sans = [], usage = 'client', days = 3650 } = {}) {
  return withTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'ca.crt'), ca.cert);
    fs.writeFileSync(path.join(dir, 'ca.key'), ca.key);
    fs.writeFileSync(path.join(dir, 'req.csr'), csr);
    fs.writeFileSync(path.join(dir, 'ext'), extFile({ sans, usage }));
    const serial = '0x' + crypto.randomBytes(12).toString('hex');
    return openssl(
      [
        'x509',
        '-req',
        '-in',
        'req.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-set_serial',
        serial,
        '-days',
        String(days),
        '-extfile',
        'ext',
      ],
      dir,
    );
  });
}

/** A CSR for the key with the given subject. */
export function newCSR(key, subj) {
  return withTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'k'), key);
    return openssl(['req', '-new', '-key', 'k', '-subj', subject(subj)], dir);
  });
}

/** Subject of a CSR as { cn, o: [...] } (read with openssl; Node cannot parse CSRs). */
export function csrSubject(csr) {
  const text = withTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'req.csr'), csr);
    return openssl(['req', '-in', 'req.csr', '-noout', '-subject', '-nameopt', 'sep_multiline,utf8'], dir);
  });
  const out = { cn: '', o: [] };
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line.startsWith('CN=')) out.cn = line.slice(3);
    if (line.startsWith('O=')) out.o.push(line.slice(2));
  }
  return out;
}

/** Issue { cert, key } signed by ca for subject { cn, o }, SANs, usage 'server'|'client'|'both'. */
export function issue(ca, subj, opts = {}) {
  const key = newKey();
  return { cert: signCSR(ca, newCSR(key, subj), opts), key };
}
