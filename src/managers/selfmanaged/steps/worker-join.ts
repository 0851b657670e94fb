/** A worker joins through the load balancer; `onJoined` changes state in the write that marks it joined. */
import type { PlannedMachine } from '../../../cloud/types.js';
import type { DistroController } from '../../../distro/controllers/types.js';
import type { ClusterState } from '../../../state/types.js';
import type { BootstrapStep } from './types.js';
import { nodeStep } from './node.js';

export function workerJoinStep(
  w: PlannedMachine,
  needs: string[],
  distribution: DistroController['name'],
  onJoined?: (s: ClusterState) => void,
): BootstrapStep {
  return nodeStep(
    w,
    needs,
    distribution,
    {
      title: (name) => `Worker ${name} (join)`,
      scripts: (d, n) => d.joinWorkerScripts(n),
      join: true,
    },
    onJoined,
  );
}
