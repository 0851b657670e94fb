/**
 * Day 2 for workers: add one (an existing machine for the ssh provider, a new VM for clouds) and
 * remove one (cordon, drain, delete the node, uninstall, and only then forget the machine).
 */
import type { ClusterSpec, MachineSpec } from '../../api/types.js';
import { assertValidSpec } from '../../api/validate.js';
import { ConflictError, InputError } from '../../errors.js';
import type { Step } from '../../pipeline/types.js';
import type { ClusterState } from '../../state/types.js';
import { HOST_PREFLIGHT_STEP, hostPreflightStep } from './host-preflight.js';
import { machineStep, machineStepId, nodeStep } from './plan.js';
import type { BootstrapRuntime } from './runtime.js';

/** The spec after adding one worker. */
export function specWithWorker(spec: ClusterSpec, machine?: MachineSpec): ClusterSpec {
  if (spec.provider === 'ssh' && !machine) throw new InputError('the ssh provider adds an existing machine: pass --address (and --user, --key-file)', ['--address']);
  if (spec.provider !== 'ssh' && machine) throw new InputError(`--address is for the ssh provider; ${spec.provider} creates the machine`, ['--address']);
  const next: ClusterSpec = structuredClone(spec);
  next.workers.count += 1;
  if (machine) next.machines.push(machine);
  return assertValidSpec(next);
}

export function specWithoutWorker(spec: ClusterSpec, name: string): ClusterSpec {
  const next: ClusterSpec = structuredClone(spec);
  next.workers.count = Math.max(0, next.workers.count - 1);
  next.machines = next.machines.filter((m) => m.name !== name);
  return next;
}

/**
 * Steps for every worker the spec asks for that is not bootstrapped yet. Ids carry a run stamp: a
 * worker removed and added again under the same name must not be skipped as "done" by the old run.
 */
export function addWorkerSteps(rt: BootstrapRuntime, spec: ClusterSpec, state: ClusterState, stamp: number): Step[] {
  const fresh = rt.provider.machinePlan(spec).filter((m) => m.role === 'worker' && state.machines[m.name]?.status !== 'bootstrapped');
  if (fresh.length === 0) throw new ConflictError('every worker the spec asks for is already bootstrapped');
  const stamped = (id: string) => `${id}@${stamp}`;
  const preflight = hostPreflightStep(rt, fresh, fresh.map((m) => machineStepId(m.name)));
  return [preflight, ...fresh.flatMap((m) => [machineStep(rt, m, rt.provider), nodeStep(rt, m, [HOST_PREFLIGHT_STEP], 'worker')])]
    .map((st) => ({ ...st, id: stamped(st.id), needs: st.needs.map(stamped) }));
}

export function removeWorkerSteps(rt: BootstrapRuntime, name: string, stamp: number, force: boolean): Step[] {
  const drain: Step = {
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
  const uninstall: Step = {
    id: `uninstall/${name}/${stamp}`,
    title: `Uninstall Kubernetes from ${name}`,
    needs: [drain.id],
    target: name,
    async run(ctx) {
      const m = rt.machine(ctx, name);
      try {
        await rt.run(ctx, m, [rt.distro.uninstallScript('worker')]);
      } catch (e) {
        if (!force) throw e;
        ctx.log.warn(`could not uninstall from ${name} (--force): ${(e as Error).message.split('\n')[0]}`);
      }
    },
  };
  const forget: Step = {
    id: `forget/${name}/${stamp}`,
    title: `Release machine ${name}`,
    needs: [uninstall.id],
    target: name,
    async run(ctx) {
      const m = rt.machine(ctx, name);
      await rt.provider.deleteMachine(ctx, m);
      await ctx.cluster.update((s) => {
        delete s.machines[name];
        s.spec = specWithoutWorker(s.spec, name);
      });
    },
  };
  return [drain, uninstall, forget];
}
