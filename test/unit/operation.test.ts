/**
 * The one outline every cluster operation runs (src/managers/operation.ts), over the real local store:
 * the order of its parts, a recorded run, and the refusals that write nothing (no state, a cluster in
 * the middle of a create, bad day-2 input, a failed preflight).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { clusterIdOf } from '../../src/api/types.js';
import { ConflictError, InputError, NotFoundError } from '../../src/errors.js';
import { kubeconfigTarget } from '../../src/kubeconfig/loading.js';
import { contextName } from '../../src/kubeconfig/naming.js';
import { KUBECONFIG_SECRET } from '../../src/managers/ksctl.js';
import { runOperation, stepContext, type Operation } from '../../src/managers/operation.js';
import type { ManagerDeps } from '../../src/managers/types.js';
import type { StepContext } from '../../src/pipeline/types.js';
import { newClusterState } from '../../src/state/new-state.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { silentLogger } from '../../src/util/log.js';

const KUBECONFIG =
  'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://192.0.2.1:6443\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\n';

let dir: string;
let deps: ManagerDeps;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-operation-'));
  deps = {
    store: new LocalStateStore(path.join(dir, 'state')),
    log: silentLogger,
    kubeconfig: kubeconfigTarget(path.join(dir, 'kubeconfig'), {}),
    signal: new AbortController().signal,
    command: 'ksctl test',
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const spec = applyDefaults({ name: 'demo', provider: 'ssh', type: 'selfmanaged' });
const id = clusterIdOf(spec);
const clusterDir = () => path.join(dir, 'state', 'clusters', 'ssh');

/** A create whose parts say when they run; its one step saves the kubeconfig. */
function create(order: string[], over: Partial<Operation<StepContext, string>> = {}): Operation<StepContext, string> {
  return {
    kind: 'create',
    id,
    spec,
    switchContext: true,
    preflight: async (h) => void order.push(`preflight (state: ${h.state ? 'yes' : 'no'})`),
    firstState: async () => (order.push('first state'), newClusterState(spec)),
    plan: async (h) => {
      order.push('plan');
      const step = {
        id: 'kubeconfig',
        title: 'kubeconfig',
        needs: [],
        run: async (c: StepContext) =>
          void (order.push('step'), await c.cluster.secrets.put(KUBECONFIG_SECRET, KUBECONFIG)),
      };
      return { steps: [step], ctx: stepContext(deps, h, spec), result: 'created' };
    },
    afterRun: async () => void order.push('after run'),
    close: () => void order.push('close'),
    ...over,
  };
}

describe('the operation outline', () => {
  it('create: preflight, first state, plan, recorded run, close, then the kubeconfig context', async () => {
    const order: string[] = [];
    const out = await runOperation(deps, create(order));
    expect(order).toEqual(['preflight (state: no)', 'first state', 'plan', 'step', 'after run', 'close']);
    expect(out.result).toBe('created');
    expect(out.kubeconfig?.context).toBe(contextName(id));
    const state = (await deps.store.read(id))!;
    expect(state.phase).toBe('ready');
    expect(state.runs).toEqual([expect.objectContaining({ command: 'ksctl test', result: 'ok' })]);
    // A resume preflights against the recorded cluster, writes no new first state, skips the done step.
    const again: string[] = [];
    await runOperation(deps, create(again));
    expect(again).toEqual(['preflight (state: yes)', 'plan', 'after run', 'close']);
    expect((await deps.store.read(id))!.runs).toHaveLength(2);
  });

  it('a failed preflight of a new cluster writes nothing', async () => {
    const order: string[] = [];
    const refused = create(order, {
      preflight: async () => Promise.reject(new InputError('bad credentials', ['spec.credentials'])),
    });
    await expect(runOperation(deps, refused)).rejects.toThrow(/bad credentials/);
    expect(order).toEqual(['close']);
    expect(existsSync(clusterDir()) ? readdirSync(clusterDir(), { recursive: true }) : []).toEqual([]);
  });

  it('a day-2 operation needs the cluster, not in the middle of a create, and bad input records no run', async () => {
    const update = (plan: Operation<StepContext, string>['plan']): Operation<StepContext, string> => ({
      kind: 'update',
      id,
      plan,
    });
    const never = async (): Promise<never> => Promise.reject(new Error('must not plan'));
    await expect(runOperation(deps, update(never))).rejects.toBeInstanceOf(NotFoundError);

    const h = await deps.store.lock(id, 'seed');
    await h.save({ ...newClusterState(spec), phase: 'creating' });
    h.release();
    await expect(runOperation(deps, update(never))).rejects.toBeInstanceOf(ConflictError);

    const h2 = await deps.store.lock(id, 'seed');
    await h2.update((s) => void (s.phase = 'ready'));
    h2.release();
    const before = JSON.stringify(await deps.store.read(id));
    await expect(
      runOperation(
        deps,
        update(async () => Promise.reject(new InputError('--name: taken', ['--name']))),
      ),
    ).rejects.toBeInstanceOf(InputError);
    expect(JSON.stringify(await deps.store.read(id))).toBe(before);
    // The lock was released: the next operation takes it.
    await expect(
      runOperation(
        deps,
        update(async (hh) => ({ steps: [], ctx: stepContext(deps, hh, spec), result: 'ok' })),
      ),
    ).resolves.toEqual({ result: 'ok' });
  });

  it('keepPhase: the run keeps the cluster phase, ok or failed; nothing to do records no run', async () => {
    const h = await deps.store.lock(id, 'seed');
    await h.save({ ...newClusterState(spec), phase: 'ready' });
    h.release();
    const phases: string[] = [];
    const kept = (run: () => Promise<void>): Operation<StepContext, string> => ({
      kind: 'update',
      id,
      keepPhase: (s) => s.phase,
      plan: async (hh) => ({
        steps: [
          {
            id: `s-${phases.length}`,
            title: 's',
            needs: [],
            run: async () => {
              phases.push((await deps.store.read(id))!.phase);
              await run();
            },
          },
        ],
        ctx: stepContext(deps, hh, spec),
        result: 'ok',
      }),
    });
    await runOperation(
      deps,
      kept(async () => undefined),
    );
    await expect(
      runOperation(
        deps,
        kept(async () => Promise.reject(new Error('upload failed'))),
      ),
    ).rejects.toThrow(/upload failed/);
    const st = (await deps.store.read(id))!;
    // Never "updating" while it ran, and still "ready" after the failure (the error is on the run).
    expect(phases).toEqual(['ready', 'ready']);
    expect(st.phase).toBe('ready');
    expect(st.runs.map((r) => r.result)).toEqual(['ok', 'failed']);
    expect(st.lastError).toMatch(/upload failed/);
    const before = JSON.stringify(st);
    const idle = await runOperation(deps, {
      kind: 'update',
      id,
      plan: async () => ({ nothingToDo: true, result: 'none' }),
    });
    expect(idle).toEqual({ result: 'none' });
    expect(JSON.stringify(await deps.store.read(id))).toBe(before);
  });
});
