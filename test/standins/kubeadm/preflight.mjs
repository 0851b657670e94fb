// TEST STAND-IN support (not shipped): the kubeadm pre-flight checks whose failures an
// orchestrator meets in practice — running init/join twice on a node (files and the API port
// already in use) — reported in kubeadm's words and skippable with --ignore-preflight-errors
// (a check name, or "all").
import fs from 'node:fs';
import net from 'node:net';
import { hostPath } from '../kube-api/paths.mjs';

const fileCheck = (p) => ({ name: `FileAvailable-${p.replace(/\//g, '-')}`, fails: () => fs.existsSync(hostPath(p)), msg: `${p} already exists` });

function portInUse(host, port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(true));
    s.listen(port, host, () => s.close(() => resolve(false)));
  });
}

export function initChecks({ stacked, etcdDataDir, bindHost, port }) {
  const checks = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', ...(stacked ? ['etcd'] : [])]
    .map((c) => fileCheck(`/etc/kubernetes/manifests/${c}.yaml`));
  checks.push({ name: `Port-${port}`, fails: () => portInUse(bindHost, port), msg: `Port ${port} is in use` });
  if (stacked) {
    checks.push({ name: `DirAvailable-${etcdDataDir.replace(/\//g, '-')}`, msg: `${etcdDataDir} is not empty`,
      fails: () => fs.existsSync(hostPath(etcdDataDir)) && fs.readdirSync(hostPath(etcdDataDir)).length > 0 });
  }
  return checks;
}

export function joinChecks({ controlPlane }) {
  return [fileCheck('/etc/kubernetes/kubelet.conf'), ...(controlPlane ? [] : [fileCheck('/etc/kubernetes/pki/ca.crt')])];
}

/** Run checks; throws kubeadm's "Some fatal errors occurred" error unless ignored. */
export async function runChecks(checks, ignore = []) {
  process.stdout.write('[preflight] Running pre-flight checks\n');
  const all = ignore.includes('all');
  const errors = [];
  for (const c of checks) {
    if (!(await c.fails())) continue;
    if (all || ignore.includes(c.name.toLowerCase())) process.stderr.write(`\t[WARNING ${c.name}]: ${c.msg}\n`);
    else errors.push(`\t[ERROR ${c.name}]: ${c.msg}`);
  }
  if (errors.length) {
    throw Object.assign(new Error(`[preflight] Some fatal errors occurred:\n${errors.join('\n')}\n[preflight] If you know what you are doing, you can make a check non-fatal with \`--ignore-preflight-errors=...\``), { phase: 'preflight' });
  }
}
