/**
 * Day 2: remove one worker. Cordon and drain it and delete its Node (from control plane 0); then the
 * ssh provider uninstalls Kubernetes from the user's machine, while a cloud deletes the VM with what
 * belongs to it (NIC, public IP, disk). The machine leaves state, and the spec's count drops, in one
 * write after that has succeeded: a failure anywhere before leaves the worker listed for a re-run.
 */
import { setWorkerCount } from '../../api/pools.js';
import type { ClusterSpec } from '../../api/types.js';
import type { Step } from '../../pipeline/types.js';
import type { ClusterState } from '../../state/types.js';
import type { BootstrapRuntime } from './runtime.js';

/**
 * Forgets worker `name` in state: the machine and its place in the spec, in the caller's one write,
 * and only once (a re-run finds it gone). The ssh provider's spec lists its machines; a cloud's
 * count drops to the workers still joined at most, since a worker that never joined (a failed add)
 * was never counted.
 */
export function forgetWorker(s: ClusterState, name: string): void {
  if (!s.machines[name]) return;
  delete s.machines[name];
  const spec: ClusterSpec = structuredClone(s.spec);
  if (spec.provider === 'ssh') {
    spec.machines = spec.machines.filter((m) => m.name !== name);
    setWorkerCount(spec, spec.machines.filter((m) => m.role === 'worker').length);
  } else {
    const joined = Object.values(s.machines).filter((m) => m.role === 'worker' && m.status === 'bootstrapped').length;
    setWorkerCount(spec, Math.min(spec.workers.count, joined));
  }
  s.spec = spec;
}

function drainStep(rt: BootstrapRuntime, name: string, stamp: number): Step {
  return {
    id: `drain/${name}/${stamp}`,
    title: `Cordon, drain and delete node ${name}`,
    needs: [],
    target: name,
    async run(ctx) {
      const t = rt.topology(ctx);
      const cp0 = await rt.session(ctx, t.controlPlanes[0]!);
      const k = (args: string) => rt.distro.kubectl(args);
      const node = `'${name}'`;
      // A node that never registered (or is already gone) is fine: nothing to drain.
      const script = [
        'set -euo pipefail',
        `if ${k(`get node ${node}`)} >/dev/null 2>&1; then`,
        `  ${k(`cordon ${node}`)}`,
        `  ${k(`drain ${node} --ignore-daemonsets --delete-emptydir-data --force --timeout=300s`)}`,
        `  ${k(`delete node ${node} --ignore-not-found`)}`,
        'fi',
      ].join('\n');
      await cp0.exec('bash -s', { stdin: script, signal: ctx.signal, onLine: (l) => ctx.log.info(`${name}: ${l}`) });
    },
  };
}

/** The ssh provider's machines stay the user's: take Kubernetes off them. */
function uninstallStep(rt: BootstrapRuntime, name: string, stamp: number, needs: string[], force: boolean): Step {
  return {
    id: `uninstall/${name}/${stamp}`,
    title: `Uninstall Kubernetes from ${name}`,
    needs,
    target: name,
    async run(ctx) {
      const m = rt.machine(ctx, name);
      if (m.status === 'pending') return; // nothing was installed on it yet
      try {
        await rt.run(ctx, m, [rt.distro.uninstallScript('worker')]);
      } catch (e) {
        if (!force) throw e;
        ctx.log.warn(`could not uninstall from ${name} (--force): ${(e as Error).message.split('\n')[0]}`);
      }
    },
  };
}

export function removeWorkerSteps(rt: BootstrapRuntime, name: string, stamp: number, force: boolean): Step[] {
  const cloud = rt.provider.provider !== 'ssh';
  const drain = drainStep(rt, name, stamp);
  // A cloud VM is deleted whole (reachable or not): uninstalling first would only slow that down.
  const before = cloud ? [drain] : [drain, uninstallStep(rt, name, stamp, [drain.id], force)];
  const release: Step = {
    id: `forget/${name}/${stamp}`,
    title: cloud ? `Delete VM ${name} (with its disk and addresses)` : `Release machine ${name}`,
    needs: [before[before.length - 1]!.id],
    target: name,
    async run(ctx) {
      const m = ctx.cluster.state?.machines[name];
      if (m) await rt.provider.deleteMachine(ctx, m);
      await ctx.cluster.update((s) => forgetWorker(s, name));
    },
  };
  return [...before, release];
}
