/**
 * A real, signed Debian repository in pkgs.k8s.io's layout (`core:/stable:/v<minor>/deb/`, flat: `deb <url> /`),
 * served over HTTP from the test process to the test hosts: what a corporate mirror (Artifactory, Nexus,
 * aptly) of pkgs.k8s.io serves. Built with Debian's own tools: `dpkg-scanpackages` (dpkg-dev) for Packages,
 * `apt-ftparchive release` (apt-utils) for Release, and GnuPG with a throwaway ed25519 key for InRelease and
 * Release.key, so the machines' apt checks the signature for real. The packages are test/helpers/kubeadm-debs.ts's
 * (real binaries in stand-in packages).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { writeKubeadmDebs } from './kubeadm-debs.js';

/** The test hosts' bridge address in the root namespace (test/hosts/common.sh KSH_GATEWAY). */
export const HOSTS_GATEWAY = '10.199.77.1';

export interface AptMirror {
  /** `http://10.199.77.1:<port>/core:/stable:/v{minor}/deb/`: spec.kubeadm.packageRepository.url. */
  url: string;
  /** Every request path served (or refused), in order. */
  requests: string[];
  close(): Promise<void>;
}

const minorOf = (version: string) => version.replace(/^v/, '').split('.').slice(0, 2).join('.');

/** Builds one signed flat repository per release's minor under `root` (each holds the three packages). */
export function buildAptMirror(root: string, versions: string[]): void {
  const gnupg = mkdtempSync(path.join(os.tmpdir(), 'ksctl-gpg-'));
  const gpg = (args: string[], cwd?: string) =>
    execFileSync('gpg', ['--homedir', gnupg, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  try {
    gpg(['--quick-gen-key', 'ksctl test mirror <mirror@ksctl.invalid>', 'ed25519', 'sign', '1d']);
    const key = gpg(['--armor', '--export']);
    for (const version of versions) {
      const dir = path.join(root, `core:/stable:/v${minorOf(version)}/deb`);
      mkdirSync(dir, { recursive: true });
      writeKubeadmDebs(dir, version);
      writeFileSync(
        path.join(dir, 'Packages'),
        execFileSync('dpkg-scanpackages', ['--multiversion', '.'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }),
      );
      writeFileSync(path.join(dir, 'Release'), execFileSync('apt-ftparchive', ['release', '.'], { cwd: dir }));
      gpg(['--yes', '--clearsign', '-o', 'InRelease', 'Release'], dir);
      writeFileSync(path.join(dir, 'Release.key'), key);
    }
  } finally {
    try {
      execFileSync('gpgconf', ['--homedir', gnupg, '--kill', 'gpg-agent'], { stdio: 'ignore' });
    } catch {
      // no agent was started
    }
    rmSync(gnupg, { recursive: true, force: true });
  }
}

/** Serves `root` read-only over HTTP on the hosts' gateway (GET/HEAD of files; nothing outside root). */
export async function serveAptMirror(root: string): Promise<AptMirror> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mirror');
    const rel = decodeURIComponent(url.pathname);
    requests.push(rel);
    const file = path.join(root, rel);
    let size = -1;
    try {
      if (file.startsWith(`${root}${path.sep}`)) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if ((req.method !== 'GET' && req.method !== 'HEAD') || size < 0) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOSTS_GATEWAY, resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${HOSTS_GATEWAY}:${port}/core:/stable:/v{minor}/deb/`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
