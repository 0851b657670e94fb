// TEST STAND-IN support (not shipped): maps the absolute paths the real k3s/kubeadm use
// (/etc/rancher/k3s, /var/lib/rancher/k3s, /etc/kubernetes, ...) under an optional prefix.
// Honours STANDIN_ROOT: when set (local tests), every absolute path is resolved below it so the
// stand-ins never touch the real /etc or /var of the machine running vitest. On test hosts it is
// unset and the real paths are used (each host has its own /etc, /var, /usr/local, /root).
import fs from 'node:fs';
import path from 'node:path';

/** The prefix, or '' when stand-ins run on a real (test) host. */
export function standinRoot() {
  return process.env.STANDIN_ROOT ?? '';
}

/** Resolve an absolute host path ("/etc/kubernetes/admin.conf") under STANDIN_ROOT. */
export function hostPath(p) {
  const root = standinRoot();
  if (!root || !path.isAbsolute(p) || p.startsWith(root + '/')) return p;
  return path.join(root, p);
}

/** Write a file (creating its directory) with the given mode; paths are host paths. */
export function writeFile(p, data, mode = 0o600) {
  const real = hostPath(p);
  fs.mkdirSync(path.dirname(real), { recursive: true });
  fs.writeFileSync(real, data, { mode });
  fs.chmodSync(real, mode); // writeFileSync keeps the old mode of an existing file
  return real;
}

export function readFile(p) {
  return fs.readFileSync(hostPath(p), 'utf8');
}

export function exists(p) {
  return fs.existsSync(hostPath(p));
}

export function rmrf(p) {
  fs.rmSync(hostPath(p), { recursive: true, force: true });
}
