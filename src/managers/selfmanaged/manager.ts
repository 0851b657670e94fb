/**
 * SelfManagedManager: machines from a cloud (or the user's own, over SSH) turned into an HA cluster by
 * a distribution controller, as a dependency graph recorded step by step in state.
 */
import { clusterIdOf, formatClusterId, type ClusterId, type ClusterSpec } from '../../api/types.js';
import { loadProvider } from '../../cloud/registry.js';
import type { PlannedResource, SelfManagedCloud } from '../../cloud/types.js';
import { distroController } from '../../distro/controllers/index.js';
import { InputError, NotFoundError } from '../../errors.js';
import { runPlan } from '../../pipeline/executor.js';
import type { Plan, StepContext } from '../../pipeline/types.js';
import { newClusterState } from '../../state/new-state.js';
import type { ClusterHandle } from '../../state/types.js';
import { recordClusterVersions } from './versions.js';
import { KsctlManager } from '../ksctl.js';
import { recordedRun } from '../lifecycle.js';
import type { CreateResult } from '../managed.js';
import { assertSameSpec } from '../spec-drift.js';
import type { ManagerDeps } from '../types.js';
import { buildCreatePlan } from './plan.js';
import { BootstrapRuntime } from './runtime.js';
import { envLogin } from './ssh-login.js';
import { describeScripts } from './describe.js';
import { uninstallSteps } from './teardown.js';
import { addWorkerSteps, resolveAddition, type AddWorkerRequest } from './add-worker.js';
import { removeWorkerSteps } from './remove-worker.js';
import type { SshPool } from '../../distro/ssh/types.js';
import { ConflictError } from '../../errors.js';

export interface SelfManagedOptions {
  /** Bounded wait for a machine's SSH (booting VMs, or a host that is down). */
  sshWaitMs?: number;
  sudoPassword?: string;
  /** Asks for an encrypted SSH key's passphrase on a terminal (KSCTL_SSH_KEY_PASSPHRASE wins). */
  askPassphrase?: (file: string) => Promise<string>;
  /** Where machines come from; default: the provider registered for the spec's provider. (Tests, benchmarks.) */
  provider?: SelfManagedCloud;
  /** A new SSH pool for one run; default: an Ssh2Pool. (Tests and benchmarks pass a stand-in.) */
  sshPool?: () => SshPool;
}

export async function selfManagedProvider(provider: ClusterSpec['provider']): Promise<SelfManagedCloud> {
  const p = await loadProvider(provider, 'selfmanaged');
  if (p.kind !== 'selfmanaged') throw new Error(`provider ${provider} registered as selfmanaged is not`);
  return p;
}

export class SelfManagedManager {
  constructor(
    private readonly deps: ManagerDeps,
    private readonly opts: SelfManagedOptions = {},
  ) {}

  async runtime(spec: ClusterSpec): Promise<BootstrapRuntime> {
    const provider = this.opts.provider ?? (await selfManagedProvider(spec.provider));
    const pool = this.opts.sshPool?.() ?? new (await import('../../distro/ssh/pool.js')).Ssh2Pool({ logger: this.deps.log, maxWaitMs: this.opts.sshWaitMs ?? 5 * 60_000 });
    return new BootstrapRuntime(provider, distroController(spec.distribution ?? 'k3s'), pool, {
      sshWaitMs: this.opts.sshWaitMs ?? 5 * 60_000,
      login: envLogin(this.deps.env ?? process.env, this.opts.askPassphrase),
      ...(this.opts.sudoPassword ? { sudoPassword: this.opts.sudoPassword } : {}),
    });
  }

  async plan(spec: ClusterSpec): Promise<{ resources: PlannedResource[]; plan: Plan }> {
    const rt = await this.runtime(spec);
    try {
      const steps = buildCreatePlan(spec, rt.provider, rt);
      const scripts = describeScripts(spec, rt);
      for (const s of steps) if (scripts[s.id]) s.details = { ...(s.details ?? {}), scripts: scripts[s.id] };
      return { resources: rt.provider.plannedResources(spec), plan: { steps } };
    } finally {
      rt.pool.closeAll();
    }
  }

  async create(spec: ClusterSpec, opts: { switchContext: boolean }): Promise<CreateResult> {
    const id = clusterIdOf(spec);
    const rt = await this.runtime(spec);
    const h = await this.deps.store.lock(id, this.deps.command);
    try {
      if (h.state) assertSameSpec(h.state.spec, spec);
      // The consent fields assertSameSpec lets change are recorded, so later day-2 runs use them too.
      if (h.state && JSON.stringify(h.state.spec.kubelet) !== JSON.stringify(spec.kubelet)) {
        await h.update((s) => {
          s.spec.kubelet = spec.kubelet;
        });
      }
      const ctx = this.context(h, spec);
      if (!h.state) await rt.provider.preflight(ctx);
      await rt.checkLogins(spec);
      if (!h.state) await h.save(newClusterState(spec));
      this.deps.attachLogFile?.(h.logFile);
      await recordedRun(h, this.deps.command, 'creating', 'ready', async (run) => {
        // A machine's steps form a chain, so at most about one step per machine runs at a time; and
        // machine steps mostly wait for the cloud. A fixed limit below the machine count would boot
        // a large cluster in waves (32 slots: a 100-worker cluster in four instance-start waves).
        const concurrency = this.deps.concurrency ?? Math.max(32, rt.provider.machinePlan(spec).length + 8);
        await runPlan({ steps: buildCreatePlan(spec, rt.provider, rt) }, ctx, { run, concurrency, onEvent: this.deps.onEvent });
        await h.update((s) => recordClusterVersions(s, spec));
      });
    } finally {
      rt.pool.closeAll();
      h.release();
    }
    const sw = await new KsctlManager(this.deps).switch(id, opts.switchContext);
    return { id, context: sw.context, kubeconfigFiles: sw.files };
  }

  /** Uninstall from the machines (ssh provider) or delete them (clouds), then forget the cluster. */
  async delete(id: ClusterId): Promise<void> {
    const h = await this.deps.store.lock(id, this.deps.command);
    let rt: BootstrapRuntime | undefined;
    try {
      if (!h.state) throw new NotFoundError(`cluster ${formatClusterId(id)} has no state`);
      const spec = h.state.spec;
      rt = await this.runtime(spec);
      this.deps.attachLogFile?.(h.logFile);
      const ctx = this.context(h, spec);
      const provider = rt.provider;
      const stamp = Date.now();
      const uninstall = provider.provider === 'ssh' ? uninstallSteps(rt, Object.values(h.state.machines), stamp) : [];
      const destroy = { id: `destroy/${stamp}`, title: 'Delete cloud resources', needs: uninstall.map((s) => s.id), run: (c: StepContext) => provider.destroy(c) };
      // A successful delete removes the state, so only a failure is recorded.
      await recordedRun(h, this.deps.command, 'deleting', 'deleting', (run) => runPlan({ steps: [...uninstall, destroy] }, ctx, { run, concurrency: 32, onEvent: this.deps.onEvent }));
      await new KsctlManager(this.deps).forget(id);
      await h.remove();
    } finally {
      rt?.pool.closeAll();
      h.release();
    }
  }

  /**
   * Add one worker and join it. The new machine is written to state (pending) before any cloud call;
   * re-running after a failure or crash finishes that same machine instead of making another.
   */
  async addWorker(id: ClusterId, req: AddWorkerRequest = {}): Promise<string[]> {
    return this.day2(id, 'updating', async (h, rt) => {
      const add = resolveAddition(h.state!, req);
      await rt.checkLogins(add.runSpec); // a key or passphrase problem is bad input, before anything is recorded
      if (add.intent.length > 0) {
        await h.update((s) => {
          for (const m of add.intent) s.machines[m.name] = m;
          if (add.recordSpec) s.spec = add.runSpec;
        });
      }
      return { spec: add.runSpec, steps: addWorkerSteps(rt, h.state!, add, Date.now()), names: add.workers.map((w) => w.name) };
    });
  }

  /** Cordon, drain and delete the node; uninstall (ssh provider) or delete the VM (clouds); forget it. */
  async removeWorker(id: ClusterId, name: string, force = false): Promise<string[]> {
    return this.day2(id, 'updating', async (h, rt) => {
      const m = h.state!.machines[name];
      if (!m || m.role !== 'worker') {
        const workers = Object.values(h.state!.machines).filter((x) => x.role === 'worker').map((x) => x.name);
        throw new InputError(`"${name}" is not a worker of ${formatClusterId(id)}; workers: ${workers.join(', ') || 'none'}`, ['name']);
      }
      await h.update((s) => {
        s.machines[name]!.status = 'removing';
      });
      return { spec: h.state!.spec, steps: removeWorkerSteps(rt, name, Date.now(), force), names: [name] };
    });
  }

  private async day2(
    id: ClusterId,
    phase: 'updating',
    build: (h: ClusterHandle, rt: BootstrapRuntime) => Promise<{ spec: ClusterSpec; steps: import('../../pipeline/types.js').Step[]; names: string[] }>,
  ): Promise<string[]> {
    const h = await this.deps.store.lock(id, this.deps.command);
    let rt: BootstrapRuntime | undefined;
    try {
      if (!h.state) throw new NotFoundError(`cluster ${formatClusterId(id)} has no state`);
      if (h.state.phase === 'creating' || h.state.phase === 'deleting') {
        throw new ConflictError(`cluster ${formatClusterId(id)} is ${h.state.phase}; finish that first`);
      }
      rt = await this.runtime(h.state.spec);
      this.deps.attachLogFile?.(h.logFile);
      const { spec, steps, names } = await build(h, rt);
      await recordedRun(h, this.deps.command, phase, 'ready', (run) => runPlan({ steps }, this.context(h, spec), { run, concurrency: 16, onEvent: this.deps.onEvent }));
      return names;
    } finally {
      rt?.pool.closeAll();
      h.release();
    }
  }

  context(h: ClusterHandle, spec: ClusterSpec): StepContext {
    return { spec, cluster: h, log: this.deps.log, signal: this.deps.signal };
  }
}

