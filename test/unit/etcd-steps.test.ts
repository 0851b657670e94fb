/**
 * The etcd steps need only the etcd machines: on a real cloud the load balancer's instance may start
 * last, and the etcd PKI must not wait for (or fail on) it.
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { etcdPkiStep } from '../../src/managers/selfmanaged/steps/etcd-pki.js';
import type { SelfManagedCloud } from '../../src/cloud/types.js';
import { memoryContext } from '../fakes/memory-cluster.js';
import { bootstrapOf } from '../helpers/bootstrap.js';

describe('etcd steps', () => {
  it('generate the etcd PKI before the load balancer machine exists', async () => {
    const spec = applyDefaults({ name: 'pki', provider: 'aws', type: 'selfmanaged' });
    const ctx = bootstrapOf(memoryContext(spec), {} as SelfManagedCloud);
    await ctx.cluster.update((s) => {
      for (const i of [0, 1, 2]) {
        s.machines[`etcd-${i}`] = {
          name: `etcd-${i}`,
          role: 'etcd',
          privateAddress: `10.0.0.${10 + i}`,
          sshPort: 22,
          sshUser: 'ubuntu',
          hostKeys: [],
          status: 'running',
        };
      }
    });
    const planned = [0, 1, 2].map((i) => ({
      name: `etcd-${i}`,
      role: 'etcd' as const,
      size: '',
      spot: false,
      index: i,
    }));
    const pki = etcdPkiStep(planned);
    await pki.run(ctx);
    const names = await ctx.cluster.secrets.list();
    expect(names).toEqual(
      expect.arrayContaining([
        'etcd-ca.crt',
        'etcd-apiserver-client.key',
        'etcd-etcd-0-server.crt',
        'etcd-etcd-2-peer.key',
      ]),
    );
    expect(() => ctx.topology()).toThrow(/load balancer machine is not in state yet/);
  });
});
