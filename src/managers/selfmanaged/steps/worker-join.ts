/**
 * A worker joins through the load balancer with its pool's labels and taints (kubelet flags, shown in
 * the scripts `describe()` prints); `onJoined` changes state in the write that marks it joined. With
 * `marks: false` the onboarding check that follows (onboard.ts) marks it instead.
 */
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
  opts: { marks?: boolean } = {},
): BootstrapStep {
  return nodeStep(
    w,
    needs,
    distribution,
    {
      title: (name) => `Worker ${name} (join)`,
      scripts: (d, n) => d.joinWorkerScripts(n),
      join: true,
      marks: opts.marks ?? true,
    },
    onJoined,
  );
}
