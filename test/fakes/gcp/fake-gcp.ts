/**
 * FakeGcp — a stateful in-memory stand-in for the Compute Engine and GKE APIs ksctl calls, for
 * tests (no Google API is reachable here). Not a mock of the provider: a small model with names,
 * labels, operations that finish over fake time, `requestId` deduplication, dependency rules and
 * Google's error shapes (gax GoogleError with gRPC codes).
 *
 * Where it plugs in: `attach(client)` replaces the generated client's *transport stub*
 * (`client._gaxGrpc.createStub`, called once by `initialize()`), not its methods. So the real
 * generated client and google-gax still run: request shaping, routing headers, call settings and
 * gax's own retry/timeout wrapper, the Compute LRO wrapper (`latestResponse`), and auto-pagination
 * over `nextPageToken`. Stubbing `client.innerApiCalls.insert` instead would skip gax entirely.
 * No credential is ever loaded: the stub is what would have used it, and the runtime's `adc()` is fake.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { GcpRuntime } from '../../../src/cloud/gcp/runtime.js';
import type { Instance, Operation } from '../../../src/cloud/gcp/sdk.js';
import { FakeClock } from '../aws/clock.js';
import { noFaults, rng, type FaultConfig } from '../aws/faults.js';
import type { Env, Handler } from './env.js';
import { SimulatedCrash, googleError, notFound, throttled } from './errors.js';
import { computeHandlers } from './fake-compute.js';
import { gkeHandlers } from './fake-gke.js';
import { gkeUpdateHandlers } from './fake-gke-updates.js';
import { defaultConfig, emptyData, type FakeGcpConfig, type FakeGcpData } from './model.js';
import {
  decodeData,
  encodeData,
  readPersisted,
  writeAtomic,
  type CallRecord,
  type FakeGcpCounters,
  type PersistedGcp,
} from './persistence.js';
import { requestProblems } from './proto-check.js';
import { reportModelProblem, timedCheck } from '../common/model-problems.js';
import { authorizedNetworksOf, instanceView, inventoryOf, opView, poolNodesOf, type InventoryItem } from './views.js';

export { SimulatedCrash, isSimulatedCrash } from './errors.js';

/** How long Compute guarantees a requestId is deduplicated (the API reference: "at least 60 minutes"). */
const REQUEST_ID_TTL_MS = 60 * 60_000;
export type { CallRecord } from './persistence.js';

const HANDLERS: Record<string, Handler> = { ...computeHandlers, ...gkeHandlers, ...gkeUpdateHandlers };
const MUTATING = /:(insert|patch|delete|create\w*|delete\w*|set\w*|update\w*)$/;

export interface FakeGcpOptions {
  config?: Partial<Omit<FakeGcpConfig, 'latencies'>> & { latencies?: Partial<FakeGcpConfig['latencies']> };
  clock?: 'virtual' | { scale: number };
}

export class FakeGcp {
  data: FakeGcpData = emptyData();
  config: FakeGcpConfig;
  readonly clock: FakeClock;
  faults: FaultConfig = noFaults();
  calls: CallRecord[] = [];
  crashed = false;
  operatorIp: string | undefined = '198.51.100.77';
  /** What `adc()` reports; `faults.credentials` = 'missing' makes it throw. */
  adcProject: string | undefined = 'ksctl-fake-project';
  /** Called after every call, failed ones included (the preload saves the model here). */
  onCall: (() => void) | undefined;
  /** Called at a simulated crash (the preload saves the model, then SIGKILLs itself). */
  onCrash: (() => void) | undefined;
  /**
   * First boot of an instance (what cloud-init does on a real VM), given the instance as
   * `instances.get` shows it once RUNNING. No call returns until every due boot has finished, so
   * nobody sees an instance RUNNING before its boot ran; a failed boot fails the call and is tried
   * again by the next one (./cloud-init.ts maps instances onto SSH test hosts).
   */
  onInstanceBoot: ((inst: Instance, fake: FakeGcp) => Promise<void> | void) | undefined;
  /** Operations that will fail once DONE (e.g. a spot stockout of `instances:insert`), in order. */
  opFaults: { op: string; code: string; message: string }[] = [];
  private counters: FakeGcpCounters = { mutating: 0, ops: {}, ips: 0 };
  private booting = new Map<string, Promise<void>>();
  private random = rng(this.faults);

  constructor(opts: FakeGcpOptions = {}) {
    const base = defaultConfig();
    this.config = { ...base, ...opts.config, latencies: { ...base.latencies, ...opts.config?.latencies } };
    const c = opts.clock ?? 'virtual';
    this.clock = new FakeClock(c === 'virtual' ? { mode: 'virtual' } : { mode: 'scaled', scale: c.scale });
    this.env.config = this.config;
  }

  // ---- faults (same vocabulary as FakeAws) ----------------------------------------------------

  throttle(rate: number, seed = 1): this {
    this.faults.throttleRate = rate;
    this.faults.seed = seed;
    this.random = rng(this.faults);
    return this;
  }

  crashAt(at: number, when: 'before' | 'after', op?: string): this {
    this.faults.crash = { at, when, ...(op ? { op } : {}) };
    this.counters.mutating = 0;
    return this;
  }

  /** Fail the Nth call of `op` (`instances:insert`) from now with a gRPC status name. */
  failNth(op: string, nth: number, code: Parameters<typeof googleError>[0], message?: string): this {
    this.counters.ops[op] = 0;
    this.faults.fail.push({ op, nth, code, ...(message ? { message } : {}) });
    return this;
  }

  clearFaults(): this {
    const seed = this.faults.seed;
    this.faults = { ...noFaults(), seed };
    this.crashed = false;
    this.counters.mutating = 0;
    return this;
  }

  mutatingCalls(): CallRecord[] {
    return this.calls.filter((c) => c.mutating);
  }

  callsOf(op: string, outcome?: string): CallRecord[] {
    return this.calls.filter((c) => c.op === op && (outcome === undefined || c.outcome === outcome));
  }

  // ---- the call path -------------------------------------------------------------------------

  async dispatch(op: string, request: any): Promise<any> {
    try {
      return await this.call(op, request);
    } finally {
      this.onCall?.();
    }
  }

  private async call(op: string, request: any): Promise<any> {
    const mutating = MUTATING.test(op);
    const rec: CallRecord = {
      n: this.calls.length + 1,
      op,
      mutating,
      outcome: 'ok',
      at: this.clock.now(),
      ...(mutating ? { input: request } : {}),
    };
    this.calls.push(rec);
    const fail = (outcome: string, e: Error) => {
      rec.outcome = outcome;
      throw e;
    };
    if (this.crashed) fail('crash', new SimulatedCrash(op));
    if (this.faults.credentials !== 'ok')
      fail('unauthenticated', googleError('UNAUTHENTICATED', 'Request had invalid authentication credentials.'));
    if (this.faults.throttleRate > 0 && this.random() < this.faults.throttleRate) fail('throttled', throttled());
    // Every request against the published protos (./proto-check.ts): one they reject is answered
    // INVALID_ARGUMENT, as Google does, and reported, so the test that sent it fails.
    const problems = timedCheck(() => requestProblems(op, request));
    if (problems.length > 0) {
      reportModelProblem({ cloud: 'gcp', op, problems });
      fail('INVALID_ARGUMENT', googleError('INVALID_ARGUMENT', `Invalid request for ${op}: ${problems.join('; ')}`));
    }
    if (op in this.counters.ops) {
      const n = ++this.counters.ops[op]!;
      const f = this.faults.fail.find((x) => x.op === op && x.nth === n);
      if (f) fail(f.code, googleError(f.code as any, f.message ?? `injected ${f.code}`));
    }
    let crashAfter = false;
    if (mutating && this.faults.crash && (!this.faults.crash.op || this.faults.crash.op === op)) {
      if (++this.counters.mutating === this.faults.crash.at) {
        if (this.faults.crash.when === 'before') this.crash(rec, op);
        crashAfter = true;
      }
    }
    const handler = HANDLERS[op];
    if (!handler) fail('unimplemented', googleError('INVALID_ARGUMENT', `FakeGcp does not implement ${op}`));
    let out: any;
    try {
      if (this.onInstanceBoot) await this.bootDue();
      this.settle();
      const rid = request?.requestId as string | undefined;
      // Like Compute: a requestId seen in the last 60 minutes answers with the operation it
      // started (finished or failed) and does nothing else, whatever the request says now.
      const seen = rid ? this.data.requestIds.get(rid) : undefined;
      if (seen && this.clock.now() - seen.at < REQUEST_ID_TTL_MS) out = this.opView(seen.op);
      else {
        out = await handler!(this.env, request);
        this.settle();
        if (rid && out?.kind === 'compute#operation')
          this.data.requestIds.set(rid, { op: opKey(out), at: this.clock.now() });
      }
    } catch (e) {
      rec.outcome = String((e as any)?.reason ?? (e as any)?.code ?? 'error');
      throw e;
    }
    if (crashAfter) this.crash(rec, op);
    return structuredClone(out);
  }

  /**
   * Runs onInstanceBoot for every instance that is RUNNING and not booted yet, and waits for every
   * boot in flight; again until none is due, since fake time may have moved on meanwhile.
   */
  private async bootDue(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      for (const [id, t] of this.data.instances) {
        if (t.booted || t.goneAt !== undefined || now < t.readyAt || this.booting.has(id)) continue;
        const view = this.instanceView(id);
        const boot = (async () => {
          try {
            await this.onInstanceBoot!(view, this);
            t.booted = true;
          } finally {
            this.booting.delete(id);
          }
        })();
        this.booting.set(id, boot);
      }
      if (this.booting.size === 0) return;
      // Every boot settles before the call answers, a failed one included; then the call fails.
      const failed = (await Promise.allSettled(this.booting.values())).find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  private crash(rec: CallRecord, op: string): never {
    rec.outcome = 'crash';
    this.crashed = true;
    this.onCrash?.();
    throw new SimulatedCrash(op);
  }

  /** Completes due operations and removes what finished deleting. */
  settle(): void {
    const now = this.clock.now();
    for (const o of this.data.ops.values()) {
      if (o.removes && now >= o.doneAt) {
        this.data[o.removes.kind].delete(o.removes.id);
        delete o.removes;
      }
    }
    for (const [k, c] of this.data.clusters) {
      if (c.goneAt !== undefined && now >= c.goneAt) {
        this.data.clusters.delete(k);
        for (const p of [...this.data.nodePools.keys()]) if (p.startsWith(`${k}/`)) this.data.nodePools.delete(p);
      }
    }
    for (const [k, p] of this.data.nodePools)
      if (p.goneAt !== undefined && now >= p.goneAt) this.data.nodePools.delete(k);
    for (const [k, i] of this.data.instances)
      if (i.goneAt !== undefined && now >= i.goneAt) this.data.instances.delete(k);
  }

  /** The transport: every RPC of `client` goes to `dispatch` as `<client>:<method>`. */
  attach(client: any, name: string): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the Proxy's traps below have their own `this`
    const fake = this;
    const stub = new Proxy(
      {},
      {
        get: (_t, method) =>
          method === 'then' || typeof method !== 'string'
            ? undefined
            : (
                request: any,
                _metadata: unknown,
                _options: unknown,
                callback: (err: unknown, res?: unknown) => void,
              ) => {
                fake.dispatch(`${name}:${method}`, request).then(
                  (res) => callback(null, res),
                  (err) => callback(err),
                );
                return { cancel() {} };
              },
      },
    );
    client._gaxGrpc.createStub = async () => stub;
  }

  runtime(): Partial<GcpRuntime> {
    return {
      clock: this.clock,
      env: {},
      lookupPublicIp: async () => this.operatorIp,
      adc: async () => {
        if (this.faults.credentials !== 'ok') throw new Error('Could not load the default credentials (FakeGcp)');
        return {
          account: 'ksctl-test@ksctl-fake-project.iam.gserviceaccount.com',
          ...(this.adcProject ? { project: this.adcProject } : {}),
        };
      },
      // Never the machine's ADC: inert service-account credentials; the stub never uses them anyway.
      clientOptions: {
        credentials: { client_email: 'fake@ksctl-fake-project.iam.gserviceaccount.com', private_key: 'not-a-key' },
      },
      configureClient: (client, name) => this.attach(client, name),
    };
  }

  // ---- handler environment -------------------------------------------------------------------

  readonly env: Env = {
    data: this.data,
    config: undefined as unknown as FakeGcpConfig,
    now: () => this.clock.now(),
    nextId: () => String(1_000_000 + this.data.seq++),
    nextIp: () => this.counters.ips++,
    link: (id) => `https://www.googleapis.com/compute/v1/projects/${this.config.project}/${id}`,
    op: (type, scope, latency, target, opts = {}) => {
      const name = `operation-${this.data.seq++}-${type}`;
      const prefix = scope.zone ? `zones/${scope.zone}` : scope.region ? `regions/${scope.region}` : 'global';
      const op: Operation = {
        kind: 'compute#operation',
        name,
        operationType: type,
        targetLink: this.env.link(target),
        status: 'PENDING',
        ...(scope.zone ? { zone: this.env.link(prefix) } : {}),
        ...(scope.region ? { region: this.env.link(prefix) } : {}),
      };
      const now = this.clock.now();
      this.data.ops.set(`${prefix}/operations/${name}`, {
        op,
        startAt: now,
        doneAt: now + Math.max(0, latency),
        ...opts,
      });
      return this.opView(`${prefix}/operations/${name}`);
    },
    opView: (id) => this.opView(id),
    opFault: (op) => {
      const i = this.opFaults.findIndex((f) => f.op === op);
      return i < 0 ? undefined : this.opFaults.splice(i, 1).map(({ code, message }) => ({ code, message }))[0];
    },
    waitOp: async (id) => {
      const o = this.data.ops.get(id);
      if (!o) throw notFound(id);
      const ms = Math.min(o.doneAt, this.clock.now() + 120_000) - this.clock.now();
      if (ms > 0) await this.clock.sleep(ms);
      this.settle();
      return this.opView(id);
    },
    instanceView: (id) => this.instanceView(id),
    cpusInRegion: (region) =>
      [...this.data.instances.entries()]
        .filter(([k]) => this.config.regions[region]?.zones.some((z) => k.startsWith(`zones/${z}/`)))
        .reduce((n, [, i]) => n + (this.config.machineTypes[String(i.res.machineType).split('/').pop()!] ?? 0), 0),
    page: (items, req) => {
      const size = 50;
      const start = Number(req.pageToken || 0);
      const next = start + size < items.length ? String(start + size) : '';
      return { items: items.slice(start, start + size), nextPageToken: next };
    },
  };

  private opView(id: string): Operation {
    return opView(this.data, this.clock.now(), id);
  }

  private instanceView(id: string): Instance {
    return instanceView(this.data, this.clock.now(), id);
  }

  /** Everything that exists (deleting resources included until they are gone). */
  inventory(): InventoryItem[] {
    this.settle();
    return inventoryOf(this.data);
  }

  /** See views.ts: authorizedNetworksOf. */
  authorizedNetworks(path: string): string[] | undefined {
    return authorizedNetworksOf(this.data, path);
  }

  /** See views.ts: poolNodesOf. */
  poolNodes(path: string): number {
    return poolNodesOf(this.data, path);
  }

  // ---- persistence (./persistence.ts) ----------------------------------------------------------

  toJSON(): PersistedGcp {
    return {
      version: 1,
      data: encodeData(this.data),
      config: this.config,
      clock: this.clock.toJSON(),
      faults: this.faults,
      counters: this.counters,
      crashed: this.crashed,
      ...(this.operatorIp ? { operatorIp: this.operatorIp } : {}),
      ...(this.adcProject ? { adcProject: this.adcProject } : {}),
      calls: this.calls,
      opFaults: this.opFaults,
    };
  }

  static fromJSON(p: PersistedGcp): FakeGcp {
    const f = new FakeGcp({ config: p.config });
    // Into the existing object: the handler environment holds `this.data`.
    Object.assign(f.data, decodeData(p.data));
    Object.assign(f, {
      faults: p.faults,
      counters: p.counters,
      crashed: p.crashed,
      operatorIp: p.operatorIp,
      adcProject: p.adcProject,
      calls: p.calls,
      opFaults: p.opFaults,
    });
    (f as unknown as { clock: FakeClock }).clock = new FakeClock(p.clock);
    f.random = rng(f.faults);
    return f;
  }

  /** Atomic write (temp file + rename). */
  save(path: string): void {
    writeAtomic(path, this.toJSON());
  }

  static load(path: string): FakeGcp {
    return FakeGcp.fromJSON(readPersisted(path));
  }
}

function opKey(op: Operation): string {
  const scope = op.zone
    ? `zones/${String(op.zone).split('/').pop()}`
    : op.region
      ? `regions/${String(op.region).split('/').pop()}`
      : 'global';
  return `${scope}/operations/${op.name}`;
}
