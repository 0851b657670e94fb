/** Worker removal, first half: cordon and drain the node and delete it (from control plane 0). */
import type { DistroController } from '../../../distro/controllers/types.js';
import type { Script } from '../../../distro/scripts/types.js';
import type { BootstrapView } from '../context.js';
import { stepId } from './ids.js';
import type { BootstrapStep } from './types.js';

/** A node that never registered (or is already gone) is fine: nothing to drain. */
function drainScript(distro: DistroController, name: string): Script {
  const k = (args: string) => distro.kubectl(args);
  const node = `'${name}'`;
  const body = [
    'set -euo pipefail',
    `if ${k(`get node ${node}`)} >/dev/null 2>&1; then`,
    `  ${k(`cordon ${node}`)}`,
    `  ${k(`drain ${node} --ignore-daemonsets --delete-emptydir-data --force --timeout=300s`)}`,
    `  ${k(`delete node ${node} --ignore-not-found`)}`,
    'fi',
  ].join('\n');
  return { name: 'drain-node', description: `cordon, drain and delete node ${name}`, body };
}

const onControlPlane0 = (v: BootstrapView) => v.topology().controlPlanes[0]!;

export function drainStep(name: string, stamp: number): BootstrapStep {
  return {
    id: stepId.drain(name, stamp),
    title: `Cordon, drain and delete node ${name}`,
    needs: [],
    target: name,
    describe: async (v) => [{ machine: onControlPlane0(v).name, scripts: [drainScript(v.distro, name)] }],
    async run(ctx) {
      const cp0 = await ctx.session(onControlPlane0(ctx));
      await cp0.exec('bash -s', { stdin: drainScript(ctx.distro, name).body, signal: ctx.signal, onLine: (l) => ctx.log.info(`${name}: ${l}`) });
    },
  };
}
