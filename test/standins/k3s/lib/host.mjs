// TEST STAND-IN support (not shipped): facts about the machine a stand-in runs on, picked the
// way k3s and kubeadm pick them when no flag says otherwise.
import os from 'node:os';

/** First non-loopback IPv4 address (k3s/kubeadm use the default-route interface's address). */
export function defaultIP() {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** Node name default: the lower-cased hostname. */
export const defaultNodeName = () => os.hostname().toLowerCase();
