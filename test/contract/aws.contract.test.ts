/** The provider contract against AWS (EC2 self-managed and EKS), on the FakeAws stand-in. */
import { managedContract, selfManagedContract } from './provider-contract.js';
import { awsSpec, managedWorld, selfManagedWorld } from '../fakes/aws/world.js';

// A small HA shape keeps the crash loops quick; the full 8-VM shape runs in test/cloud/aws.
const small = awsSpec({
  name: 'contract',
  controlPlane: { count: 1, size: 't3.medium' },
  etcd: { count: 1, size: 't3.small' },
  workers: { count: 2, size: 't3.large', spot: true },
});

selfManagedContract({ name: 'aws', world: () => selfManagedWorld(small), minCrashPoints: 15 });

managedContract({
  name: 'aws',
  minCrashPoints: 10,
  world: () =>
    managedWorld(
      awsSpec({
        name: 'contract-eks',
        type: 'managed',
        nodePools: [
          { name: 'general', count: 2, size: 't3.large', spot: false, labels: {}, taints: [] },
          {
            name: 'spot',
            count: 2,
            size: 'm5.large',
            spot: true,
            labels: { 'example.com/capacity': 'spot' },
            taints: [{ key: 'example.com/spot', value: 'true', effect: 'NoSchedule' }],
          },
        ],
      }),
    ),
});
