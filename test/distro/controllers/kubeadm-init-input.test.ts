/**
 * kubeadm init takes the cluster's ServiceAccount pair exactly when the secret store holds both halves:
 * a backup kept them, so a cluster made from it (`create --restore`) signs with the source's key.
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../src/api/defaults.js';
import { kubeadmInitInput } from '../../../src/distro/controllers/kubeadm.js';
import type { NodeScope, SecretReader } from '../../../src/distro/controllers/types.js';
import type { Machine } from '../../../src/state/types.js';

const machine = (name: string, role: Machine['role'], address: string): Machine => ({
  name,
  role,
  publicAddress: address,
  privateAddress: address,
  sshPort: 22,
  sshUser: 'root',
  hostKeys: [],
  status: 'bootstrapped',
});
const spec = applyDefaults({
  name: 'demo',
  provider: 'ssh',
  distribution: 'kubeadm',
  kubernetesVersion: '1.37',
});
const cp0 = machine('cp-0', 'controlplane', '10.0.2.10');
const scope = (names: string[]): NodeScope => {
  const secrets: SecretReader = {
    get: async (n) => (names.includes(n) ? `-----BEGIN ${n}-----` : undefined),
    has: async (n) => names.includes(n),
  };
  return {
    topology: {
      spec,
      loadBalancer: machine('lb', 'loadbalancer', '10.0.2.2'),
      etcd: [],
      controlPlanes: [cp0],
      workers: [],
    },
    machine: cp0,
    secrets,
  };
};

describe('kubeadm init input', () => {
  it('asks for the ServiceAccount pair only when both halves are kept', async () => {
    expect((await kubeadmInitInput(scope(['kubeadm-sa.key', 'kubeadm-sa.pub']))).serviceAccountKeys).toBe(true);
    expect((await kubeadmInitInput(scope(['kubeadm-sa.key']))).serviceAccountKeys).toBeUndefined();
    expect((await kubeadmInitInput(scope([]))).serviceAccountKeys).toBeUndefined();
    expect((await kubeadmInitInput(scope([]))).node).toEqual({ name: 'cp-0', address: '10.0.2.10' });
  });
});
