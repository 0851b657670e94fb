/** The provider contract against Azure (VMs self-managed and AKS), on the FakeAzure stand-in. */
import { managedContract, selfManagedContract } from './provider-contract.js';
import { azureSpec, managedWorld, selfManagedWorld } from '../fakes/azure/world.js';

// A small HA shape keeps the crash loops quick; the full 8-VM shape runs in test/cloud/azure.
const small = azureSpec({
  name: 'contract',
  controlPlane: { count: 1, size: 'Standard_B2s' },
  etcd: { count: 1, size: 'Standard_B1ms' },
  workers: { count: 2, size: 'Standard_B2ms', spot: true },
});

// Destroy is one resource-group DELETE (its LRO is resumed by re-issuing it): one crash point.
selfManagedContract({
  name: 'azure',
  world: () => selfManagedWorld(small),
  minCrashPoints: 15,
  minDestroyCrashPoints: 1,
});

managedContract({
  name: 'azure',
  minCrashPoints: 2,
  minDestroyCrashPoints: 1,
  world: () =>
    managedWorld(
      azureSpec({
        name: 'contract-aks',
        type: 'managed',
        nodePools: [
          { name: 'general', count: 2, size: 'Standard_D2s_v5', spot: false, labels: {}, taints: [] },
          {
            name: 'spot',
            count: 2,
            size: 'Standard_D4s_v5',
            spot: true,
            labels: { 'example.com/capacity': 'spot' },
            taints: [{ key: 'example.com/spot', value: 'true', effect: 'NoSchedule' }],
          },
        ],
      }),
    ),
});
