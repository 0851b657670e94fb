/**
 * A tiny stand-in for `ksctl create/delete` (the real CLI is not what this proves): runs the AWS
 * self-managed provider's preflight + steps, or its destroy, against a file-backed cluster state, in
 * its own process. Used with install.ts to prove crash-in-one-process, re-run-in-the-next.
 *
 *   node --import .../install.js .../harness.js <create|destroy> <spec.json> <cluster-state.json>
 */
import { readFileSync } from 'node:fs';
import type { ClusterSpec } from '../../../src/api/types.js';
import { preloadedProviderHooks } from '../../../src/cli/provider-hooks.js';
import { createAwsSelfManaged } from '../../../src/cloud/aws/index.js';
import { runSteps, selfManagedSteps } from '../../contract/run-steps.js';
import { MemoryCluster, memoryLogger, stepContext } from '../memory-cluster.js';

const [command, specPath, statePath] = process.argv.slice(2);
if (!command || !specPath || !statePath) throw new Error('usage: harness <create|destroy> <spec.json> <state.json>');
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as ClusterSpec;
const cluster = MemoryCluster.exists(statePath) ? MemoryCluster.load(statePath) : MemoryCluster.create(spec, statePath);
// As the CLI's entry point does: the preloaded fake's runtime, injected into the provider.
const provider = createAwsSelfManaged({ runtime: preloadedProviderHooks()?.aws ?? {} });
const ctx = stepContext(cluster, spec, { log: memoryLogger() });
if (command === 'create') {
  await provider.preflight(ctx);
  await runSteps(selfManagedSteps(provider, spec), ctx);
} else {
  await provider.destroy(ctx);
}
process.stdout.write(`${JSON.stringify({ ok: true, machines: Object.keys(cluster.state?.machines ?? {}).length })}\n`);
