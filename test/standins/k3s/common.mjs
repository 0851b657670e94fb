// TEST STAND-IN support (not shipped): small helpers shared by `k3s server` and `k3s agent`:
// the version this stand-in "binary" reports, the node's default IP and name, and the status
// file the install.sh stand-in waits on (it plays systemd's Type=notify readiness: the real
// install.sh returns once k3s has notified systemd that it is up, or fails if k3s died).
import fs from 'node:fs';
import path from 'node:path';
import { hostPath } from './lib/paths.mjs';

export const DEFAULT_VERSION = 'v1.31.7+k3s1';

/** Version baked into the installed wrapper (K3S_STANDIN_VERSION), e.g. v1.31.7+k3s1. */
export function k3sVersion() {
  return process.env.K3S_STANDIN_VERSION || DEFAULT_VERSION;
}

export { defaultIP as defaultNodeIP, defaultNodeName } from './lib/host.mjs';

/** /var/lib/rancher/k3s-standin/<server|agent>.status: "starting", "ready" or "failed: <message>". */
export function setStatus(command, text) {
  const f = hostPath(`/var/lib/rancher/k3s-standin/${command}.status`);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, `${text}\n`);
}

/** Record this daemon's pid so the killall/uninstall scripts stop only this host's processes
 * (test hosts share one PID namespace, so matching process names would hit other hosts). */
export function writePid(command) {
  const f = hostPath(`/var/lib/rancher/k3s-standin/${command}.pid`);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, `${process.pid}\n`);
}

/** Parse "k=v" labels and "k=v:Effect" taints from --node-label / --node-taint. */
export function labelsAndTaints(f) {
  const labels = Object.fromEntries(
    (f['node-label'] ?? []).map((l) => [l.split('=')[0], l.split('=').slice(1).join('=')]),
  );
  const taints = (f['node-taint'] ?? []).map((t) => {
    const [kv, effect] = t.split(':');
    const [key, value] = kv.split('=');
    return { key, ...(value ? { value } : {}), effect };
  });
  return { labels, taints };
}
