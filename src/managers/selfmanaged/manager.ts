/**
 * SelfManagedManager: machines from a cloud (or the user's own, over SSH) turned into an HA cluster by
 * a distribution controller. Every operation runs the one outline (../operation.ts) with a plan of
 * self-describing steps (plans/, steps/) and one context per run (context.ts).
 */
import { certValidityDays } from '../../api/certs.js';
import type { DefaultsOptions } from '../../api/defaults.js';
import type { PoolChangeOptions, PoolTarget, UpgradeRequest } from '../../api/pool-change.js';
import { clusterIdOf, formatClusterId, type ClusterId, type ClusterSpec } from '../../api/types.js';
import { addWorkerRequest, workerMachineOf, type WorkerInput } from '../../api/worker-request.js';
import { loadProvider } from '../../cloud/registry.js';
import type { PlannedResource, ProviderHooks, SelfManagedCloud } from '../../cloud/types.js';
import { distroController } from '../../distro/controllers/index.js';
import type { DistroController } from '../../distro/controllers/types.js';
import type { SshPool } from '../../distro/ssh/types.js';
import { InputError } from '../../errors.js';
import type { StepContext, StepDescription } from '../../pipeline/types.js';
import { newClusterState } from '../../state/new-state.js';
import type { ClusterHandle } from '../../state/types.js';
import type { ClusterLifecycle, CreateOptions, CreateResult, DayTwoResult, PoolChangeResult } from '../index.js';
import { runOperation, stepContext, type Operation } from '../operation.js';
import type { ManagerDeps } from '../types.js';
import { bootstrapContext, type BootstrapContext, type NodeApi } from './context.js';
import { describedSteps } from './dry-run.js';
import { addWorkerSteps } from './plans/add-worker.js';
import { buildCreatePlan } from './plans/create.js';
import { deleteSteps } from './plans/delete.js';
import { removeWorkerSteps } from './plans/remove-worker.js';
import { planView } from './plan-view.js';
import { SshAccess } from './ssh-access.js';
import { envLogin } from './ssh-login.js';
import { recordClusterVersions } from './versions.js';
import { assertNoUpgradeUnderway } from './upgrade-guard.js';
import { resolveAddition } from './worker-addition.js';

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
  /** The cluster's API for the onboarding check; default: the kubeconfig in state. (Benchmarks simulate it.) */
  nodeApi?: (ctx: StepContext) => Promise<NodeApi>;
}

export async function selfManagedProvider(
  provider: ClusterSpec['provider'],
  hooks?: ProviderHooks,
): Promise<SelfManagedCloud> {
  const p = await loadProvider(provider, 'selfmanaged', hooks);
  if (p.kind !== 'selfmanaged') throw new Error(`provider ${provider} registered as selfmanaged is not`);
  return p;
}

/** The external etcd members a spec's machine plan names. */
const etcdNames = (provider: SelfManagedCloud, spec: ClusterSpec): string[] =>
  provider
    .machinePlan(spec)
    .filter((m) => m.role === 'etcd')
    .map((m) => m.name);

/** What one run works with. */
export interface Machinery {
  provider: SelfManagedCloud;
  distro: DistroController;
  ssh: SshAccess;
}

type SelfManagedOperation<T> = Omit<Operation<BootstrapContext, T>, 'id' | 'close'>;

export class SelfManagedManager implements ClusterLifecycle {
  constructor(
    /** Public for the day-2 operations in their own files (a dry run reads state without the lock). */
    readonly deps: ManagerDeps,
    private readonly opts: SelfManagedOptions = {},
  ) {}

  /** The provider and distribution controller a spec's plans are built from (no connection). */
  async planSource(spec: ClusterSpec): Promise<{ provider: SelfManagedCloud; distro: DistroController }> {
    return {
      provider: this.opts.provider ?? (await selfManagedProvider(spec.provider, this.deps.providerHooks)),
      distro: distroController(spec.distribution ?? 'k3s'),
    };
  }

  /** A run's machinery, with a fresh SSH pool. */
  async machinery(spec: ClusterSpec): Promise<Machinery> {
    const { provider, distro } = await this.planSource(spec);
    const sshWaitMs = this.opts.sshWaitMs ?? 5 * 60_000;
    const pool =
      this.opts.sshPool?.() ??
      new (await import('../../distro/ssh/pool.js')).Ssh2Pool({ logger: this.deps.log, maxWaitMs: sshWaitMs });
    const ssh = new SshAccess(provider, pool, {
      sshWaitMs,
      login: envLogin(this.deps.env ?? process.env, this.opts.askPassphrase),
      ...(this.opts.sudoPassword ? { sudoPassword: this.opts.sudoPassword } : {}),
    });
    return { provider, distro, ssh };
  }

  async plan(
    spec: ClusterSpec,
    opts: Pick<CreateOptions, 'restore'> = {},
  ): Promise<{ resources: PlannedResource[]; plan: { steps: StepDescription[] } }> {
    const source = await this.planSource(spec);
    const create = buildCreatePlan(spec, source);
    const steps = opts.restore ? opts.restore.planned(create, etcdNames(source.provider, spec)) : create;
    const described = await describedSteps(steps, planView(spec, source.provider, source.distro));
    return { resources: source.provider.plannedResources(spec), plan: { steps: described } };
  }

  async create(spec: ClusterSpec, opts: CreateOptions): Promise<CreateResult> {
    const id = clusterIdOf(spec);
    const restore = opts.restore;
    const out = await this.operation(id, spec, (machinery) => ({
      kind: 'create',
      spec,
      switchContext: opts.switchContext,
      preflight: async (h, ctx) => {
        // Before the provider's preflight: a refusal touches nothing.
        if (restore) await restore.check(h);
        else if (h.state?.restoredFrom)
          (await import('../backup/fresh-restore-state.js')).assertRestoreFinished(h.state);
        const m = await machinery(h);
        if (!h.state) await m.provider.preflight(ctx);
        await m.ssh.checkLogins(spec);
      },
      firstState: async () => (restore ? restore.record(newClusterState(spec)) : newClusterState(spec)),
      plan: async (h) => {
        const m = await machinery(h);
        const steps = buildCreatePlan(spec, m);
        return {
          steps: restore ? await restore.steps(h, steps, etcdNames(m.provider, spec)) : steps,
          ctx: this.context(h, spec, m),
          // A machine's steps form a chain, so at most about one step per machine runs at a time; and
          // machine steps mostly wait for the cloud. A fixed limit below the machine count would boot
          // a large cluster in waves (32 slots: a 100-worker cluster in four instance-start waves).
          concurrency: this.deps.concurrency ?? Math.max(32, m.provider.machinePlan(spec).length + 8),
          result: undefined,
        };
      },
      afterRun: (h) => h.update((s) => recordClusterVersions(s, spec)).then(() => undefined),
    }));
    return { id, context: out.kubeconfig?.context, kubeconfigFiles: out.kubeconfig?.files ?? [] };
  }

  /** Uninstall from the machines (ssh provider) or delete them (clouds), then forget the cluster. */
  async delete(id: ClusterId): Promise<void> {
    await this.operation(id, undefined, (machinery) => ({
      kind: 'delete',
      plan: async (h) => {
        const m = await machinery(h);
        return {
          steps: deleteSteps(m.provider, Object.values(h.state!.machines), Date.now()),
          ctx: this.context(h, h.state!.spec, m),
          concurrency: 32,
          result: undefined,
        };
      },
    }));
  }

  /**
   * Add one worker and join it. The new machine is written to state (pending) before any cloud call;
   * re-running after a failure or crash finishes that same machine instead of making another.
   */
  async addWorker(
    id: ClusterId,
    input: WorkerInput,
    sshDefaults: (spec: ClusterSpec) => Promise<DefaultsOptions> = async () => ({}),
  ): Promise<string[]> {
    const out = await this.operation(id, undefined, (machinery) => ({
      kind: 'update',
      plan: async (h) => {
        assertNoUpgradeUnderway(h.state!, 'add worker');
        const m = await machinery(h);
        const spec = h.state!.spec;
        const req = addWorkerRequest(spec.provider, input);
        if (spec.provider === 'ssh' && input.address)
          req.machine = workerMachineOf(spec, { ...input, address: input.address }, await sshDefaults(spec));
        const add = resolveAddition(h.state!, req);
        await m.ssh.checkLogins(add.runSpec); // a key or passphrase problem is bad input, before anything is recorded
        if (add.intent.length > 0) {
          await h.update((s) => {
            for (const w of add.intent) s.machines[w.name] = w;
            if (add.recordSpec) s.spec = add.runSpec;
          });
        }
        const steps = addWorkerSteps(m, h.state!, add, Date.now());
        return { steps, ctx: this.context(h, add.runSpec, m), concurrency: 16, result: add.workers.map((w) => w.name) };
      },
    }));
    return out.result;
  }

  /** Cordon, drain and delete the node; uninstall (ssh provider) or delete the VM (clouds); forget it. */
  async removeWorker(id: ClusterId, name: string, force = false): Promise<string[]> {
    const out = await this.operation(id, undefined, (machinery) => ({
      kind: 'update',
      plan: async (h) => {
        assertNoUpgradeUnderway(h.state!, 'remove worker');
        const m = await machinery(h);
        const w = h.state!.machines[name];
        if (!w || w.role !== 'worker') {
          const workers = Object.values(h.state!.machines)
            .filter((x) => x.role === 'worker')
            .map((x) => x.name);
          throw new InputError(
            `"${name}" is not a worker of ${formatClusterId(id)}; workers: ${workers.join(', ') || 'none'}`,
            ['name'],
          );
        }
        await h.update((s) => {
          s.machines[name]!.status = 'removing';
        });
        return {
          steps: removeWorkerSteps(m, name, Date.now(), force),
          ctx: this.context(h, h.state!.spec, m),
          concurrency: 16,
          result: [name],
        };
      },
    }));
    return out.result;
  }

  async reconcilePools(id: ClusterId, pools: PoolTarget, opts: PoolChangeOptions): Promise<PoolChangeResult> {
    return (await import('./pools.js')).reconcileSelfManagedPools(this, id, pools, opts);
  }

  async updateAccess(id: ClusterId, allowCidrs: string[], opts: { dryRun?: boolean }): Promise<DayTwoResult> {
    return (await import('./access.js')).updateSelfManagedAccess(this, id, allowCidrs, opts);
  }

  async upgrade(id: ClusterId, req: UpgradeRequest): Promise<DayTwoResult> {
    return (await import('./upgrade.js')).upgradeSelfManaged(this, id, req, this.deps);
  }

  /**
   * Runs one operation (public for the day-2 operations in their own files: pools.ts, access.ts,
   * upgrade.ts). Its machinery is made once the spec is known (create: the one asked for, before
   * the lock; otherwise the recorded one, read under the lock) and closed before the lock is released.
   */
  async operation<T>(
    id: ClusterId,
    spec: ClusterSpec | undefined,
    build: (machinery: (h: ClusterHandle) => Promise<Machinery>) => SelfManagedOperation<T>,
  ) {
    let made: Machinery | undefined = spec ? await this.machinery(spec) : undefined;
    const machinery = async (h: ClusterHandle) => (made ??= await this.machinery(h.state!.spec));
    return runOperation(this.deps, { ...build(machinery), id, close: () => made?.ssh.close() });
  }

  /** The one context of a run (public for operations outside this manager that run on its machines: backups). */
  context(h: ClusterHandle, spec: ClusterSpec, m: Machinery): BootstrapContext {
    const base = stepContext(this.deps, h, spec);
    const api = this.opts.nodeApi;
    return bootstrapContext(base, m.provider, m.distro, m.ssh, {
      certValidityDays: certValidityDays(this.deps.env ?? process.env),
      ...(api ? { nodeApi: () => api(base) } : {}),
    });
  }
}
