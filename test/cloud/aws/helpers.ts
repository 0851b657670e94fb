/** Shared bits of the AWS provider tests. */
import type { ClusterSpec } from '../../../src/api/types.js';
import type { SelfManagedCloud } from '../../../src/cloud/types.js';
import { runSteps, selfManagedSteps } from '../../contract/run-steps.js';
import { MemoryCluster, memoryLogger, stepContext } from '../../fakes/memory-cluster.js';

export async function createSelfManaged(p: SelfManagedCloud, spec: ClusterSpec, cluster = MemoryCluster.create(spec)) {
  const log = memoryLogger();
  const ctx = stepContext(cluster, spec, { log });
  await p.preflight(ctx);
  await runSteps(selfManagedSteps(p, spec), ctx);
  return { cluster, ctx, log };
}

/** Decodes RunInstances' base64 user data. */
export const userDataOf = (input: unknown) =>
  Buffer.from(String((input as { UserData?: string }).UserData ?? ''), 'base64').toString('utf8');
