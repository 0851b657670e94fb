/**
 * SelfManagedManager: machines from a cloud (or the user's own over SSH) turned into an HA cluster by a
 * distribution controller. The bootstrap graph is built in the self-managed issue; until a provider is
 * registered for `<provider>/selfmanaged`, loadProvider reports it clearly.
 */
import { clusterIdOf, type ClusterId, type ClusterSpec } from '../api/types.js';
import { loadProvider } from '../cloud/registry.js';
import type { PlannedResource } from '../cloud/types.js';
import type { Plan } from '../pipeline/types.js';
import type { CreateResult } from './managed.js';
import type { ManagerDeps } from './types.js';

export class SelfManagedManager {
  constructor(private readonly deps: ManagerDeps) {}

  async plan(spec: ClusterSpec): Promise<{ resources: PlannedResource[]; plan: Plan }> {
    await loadProvider(spec.provider, 'selfmanaged');
    return { resources: [], plan: { steps: [] } };
  }

  async create(spec: ClusterSpec): Promise<CreateResult> {
    await loadProvider(spec.provider, 'selfmanaged');
    return { id: clusterIdOf(spec), kubeconfigFiles: [] };
  }

  async delete(id: ClusterId): Promise<void> {
    await loadProvider(id.provider, 'selfmanaged');
    void this.deps;
  }
}
