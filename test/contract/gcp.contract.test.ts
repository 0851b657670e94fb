/** The provider contract against GCP (Compute Engine self-managed and GKE), on the FakeGcp stand-in. */
import { managedContract, selfManagedContract } from './provider-contract.js';
import { gcpSpec, managedWorld, selfManagedWorld } from '../fakes/gcp/world.js';

// A small HA shape keeps the crash loops quick; the full 8-VM shape runs in test/cloud/gcp.
const small = gcpSpec({
  name: 'contract',
  controlPlane: { count: 1, size: 'e2-medium' },
  etcd: { count: 1, size: 'e2-small' },
  workers: { count: 2, size: 'e2-standard-2', spot: true },
});

selfManagedContract({
  name: 'gcp',
  world: () => selfManagedWorld(small),
  minCrashPoints: 15,
  badSpecs: [
    { name: 'unknown region', spec: { ...small, region: 'moon-1' } },
    { name: 'machine type not offered', spec: { ...small, workers: { ...small.workers, size: 'z9-imaginary' } } },
    { name: 'invalid project id', spec: { ...small, credentials: { project: 'Not A Project' } } },
  ],
});

managedContract({
  name: 'gcp',
  minCrashPoints: 3,
  world: () =>
    managedWorld(
      gcpSpec({
        name: 'contract-gke',
        type: 'managed',
        nodePools: [
          { name: 'general', count: 2, size: 'e2-standard-2', spot: false, labels: {}, taints: [] },
          {
            name: 'spot',
            count: 2,
            size: 'e2-standard-4',
            spot: true,
            labels: { 'example.com/capacity': 'spot' },
            taints: [{ key: 'example.com/spot', value: 'true', effect: 'NoSchedule' }],
          },
        ],
      }),
    ),
});
