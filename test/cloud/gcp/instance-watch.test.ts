/** Waiting for instances to run: one shared `instances.list` per zone and tick, not a loop per instance. */
import { describe, expect, it } from 'vitest';
import { createGcpClients } from '../../../src/cloud/gcp/clients.js';
import { InstanceWatcher } from '../../../src/cloud/gcp/instance-watch.js';
import { clusterFilter, clusterLabel, LABEL_CLUSTER } from '../../../src/cloud/gcp/naming.js';
import { resolveRuntime } from '../../../src/cloud/gcp/runtime.js';
import { FakeGcp } from '../../fakes/gcp/fake-gcp.js';
import { gcpSpec, selfManagedWorld } from '../../fakes/gcp/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import { runSteps, selfManagedSteps } from '../../contract/run-steps.js';

describe('GCP instance watcher', () => {
  it('a 19-VM create polls with one list per zone per second, and each instance is read twice at most', async () => {
    const spec = gcpSpec({ name: 'watch', workers: { count: 12, size: 'e2-standard-2', spot: false } });
    const w = selfManagedWorld(spec);
    const cluster = MemoryCluster.create(spec);
    const p = w.provider();
    await p.preflight(stepContext(cluster, spec));
    await runSteps(selfManagedSteps(p, spec), stepContext(cluster, spec));
    expect(Object.keys(cluster.state!.machines)).toHaveLength(19);
    // Found-by-name before the insert, and once after its operation: no per-instance polling.
    expect(w.fake.callsOf('instances:get')).toHaveLength(2 * 19);
    const lists = w.fake.callsOf('instances:list');
    const seconds = (lists.at(-1)!.at - lists[0]!.at) / 1000 + 1;
    expect(lists.length).toBeLessThanOrEqual(w.fake.config.regions['us-central1']!.zones.length * seconds);
    // Each instance is ready within a tick of RUNNING (30 s after its insert).
    const inserted = Math.max(...w.fake.callsOf('instances:insert').map((c) => c.at));
    expect(lists.at(-1)!.at - inserted).toBeLessThanOrEqual(31_000);
  });

  it('an instance that disappears while starting fails its wait; the others still resolve', async () => {
    const fake = new FakeGcp();
    const spec = gcpSpec({ name: 'gone' });
    const zone = 'us-central1-a';
    fake.data.subnetworks.set('regions/us-central1/subnetworks/s', { res: { name: 's' }, readyAt: 0 });
    for (const name of ['a', 'b']) {
      await fake.dispatch('instances:insert', {
        project: fake.config.project,
        zone,
        instanceResource: {
          name,
          labels: { [LABEL_CLUSTER]: clusterLabel(spec) },
          machineType: `zones/${zone}/machineTypes/e2-small`,
          disks: [
            {
              boot: true,
              initializeParams: {
                sourceImage: 'projects/ubuntu-os-cloud/global/images/ubuntu-2404-noble-amd64-v20250101',
              },
            },
          ],
          networkInterfaces: [
            { subnetwork: 'regions/us-central1/subnetworks/s', accessConfigs: [{ name: 'External NAT' }] },
          ],
        },
      });
    }
    const gce = createGcpClients('ksctl-fake-project', resolveRuntime(fake.runtime())).gce;
    const watcher = new InstanceWatcher(gce, fake.clock, clusterFilter(spec));
    const opts = {
      what: 'it to run',
      done: (i: { status?: string | null }) => i.status === 'RUNNING',
      failed: (i: unknown) => (i ? undefined : new Error('disappeared')),
      timeoutMs: 120_000,
      signal: new AbortController().signal,
    };
    const a = watcher.wait(zone, 'a', opts);
    const b = watcher.wait(zone, 'b', opts);
    await fake.clock.sleep(5_000);
    fake.data.instances.delete(`zones/${zone}/instances/a`);
    await expect(a).rejects.toThrow('disappeared');
    expect((await b).name).toBe('b');
  });
});
