/**
 * FakeAzure — a stand-in for Azure Resource Manager at the SDK's HTTP boundary. It is the SDK's
 * `httpClient` (core-rest-pipeline HttpClient), so the real request building, serialisation, bearer
 * token, retry and LRO polling policies all run; only the wire is fake. See README.md.
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { SDK_POLL_INTERVAL_MS, WATCH_INTERVAL_MS, type AzureRuntime } from '../../../src/cloud/azure/runtime.js';
import { FakeClock } from '../aws/clock.js';
import { defaultConfig, type FakeAzureConfig } from './catalog.js';
import { isMutating, noFaults, rng, SimulatedCrash, type AzureFaultConfig } from './faults.js';
import { ArmModel, kindOf, type ArmErrorBody, type ArmRes, type Json } from './model.js';
import { fromPersisted, readPersisted, toPersisted, writePersisted, type PersistedAzure } from './persistence.js';
import { route } from './routes.js';
import { bodyProblems } from './mapper-check.js';
import { reportModelProblem, timedCheck } from '../common/model-problems.js';

export { isSimulatedCrash, SimulatedCrash } from './faults.js';

export const FAKE_SUBSCRIPTION = '00000000-0000-4000-8000-000000000001';
export const ARM = 'https://management.azure.com';

export interface FakeCall {
  method: string;
  path: string;
  /** `PUT virtualMachines`, `GET skus`, `DELETE resourceGroups`... */
  op: string;
  mutating: boolean;
  status: number | 'crash';
  /** Fake time (ms) when the call arrived. */
  at: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const armError = (status: number, code: string, message: string): Reply => ({
  status,
  body: { error: { code, message } },
});

export interface FakeAzureOptions {
  config?: Partial<FakeAzureConfig>;
  /**
   * Omitted (tests): fake time advances `config.tickMs` per request, whatever the wall clock does.
   * A clock, or `{ scale }` for a scaled FakeClock (benchmarks): operations finish when that clock
   * passes their deadline, and requests take no fake time.
   */
  clock?: FakeClock | { scale: number };
}

/** First boot of a VM (what cloud-init does on a real one); see `onVmBoot`. */
export type VmBootHook = (vm: ArmRes, fake: FakeAzure) => Promise<void> | void;

export class FakeAzure implements HttpClient {
  model = new ArmModel();
  config: FakeAzureConfig;
  /** The clock operations run on, or undefined: time advances per request (`tick`). */
  readonly clock: FakeClock | undefined;
  faults: AzureFaultConfig = noFaults();
  calls: FakeCall[] = [];
  /** Fake time in ms when there is no clock: advances `config.tickMs` per request. */
  tick = 0;
  /** The operator address the IP lookup returns (undefined: the lookup fails). */
  operatorIp: string | undefined = '203.0.113.7';
  /** Once a simulated crash happened, every later call fails too: the "process" is dead. */
  crashed = false;
  /** Called after every request (persistence: install.ts saves the cloud here). */
  onCall: (() => void) | undefined;
  onCrash: (() => void) | undefined;
  /**
   * First boot of a VM, run once its create operation has Succeeded. No request is answered until
   * every due boot has finished, so nobody sees a VM Succeeded before it "booted"; a boot that
   * fails fails that request (500, which the SDK retries) and is tried again on the next one.
   */
  onVmBoot: VmBootHook | undefined;
  /** `vmId`s of VMs whose first boot has run. */
  booted = new Set<string>();
  /** Counters behind `crashAt` and `failNth`, persisted with the faults they serve. */
  counters = { mutatingSinceArmed: 0, opCounts: {} as Record<string, number> };
  private booting = new Map<string, Promise<void>>();
  private random: () => number;

  constructor(opts: FakeAzureOptions = {}) {
    this.config = { ...defaultConfig(), ...opts.config };
    const c = opts.clock;
    this.clock = c === undefined || c instanceof FakeClock ? c : new FakeClock({ mode: 'scaled', scale: c.scale });
    this.random = rng(this.faults);
  }

  /** Fake time in ms. */
  get now(): number {
    return this.clock ? this.clock.now() : this.tick;
  }

  /** A TokenCredential that never touches real Azure auth. */
  readonly credential: TokenCredential = {
    getToken: async (): Promise<AccessToken | null> => {
      if (this.faults.credentials === 'missing') {
        throw Object.assign(
          new Error('DefaultAzureCredential failed to retrieve a token from the included credentials.'),
          { name: 'CredentialUnavailableError' },
        );
      }
      return {
        token: this.faults.credentials === 'expired' ? 'expired-token' : 'fake-token',
        expiresOnTimestamp: Date.now() + 3600_000,
      };
    },
  };

  /**
   * What the Azure provider should be built with to talk to this fake. Intervals: with per-request
   * ticks (tests) the SDK pollers and the provisioning watcher poll every 1 ms, since only requests
   * move fake time; on a clock, production's (the SDK's 2 s, the watcher's 0.5 s) in fake time.
   */
  runtime(opts: { pollIntervalMs?: number; watchIntervalMs?: number } = {}): Partial<AzureRuntime> {
    const c = this.clock;
    return {
      credential: this.credential,
      clientOptions: { httpClient: this, retryOptions: { maxRetries: 10, retryDelayInMs: 1, maxRetryDelayInMs: 4 } },
      pollIntervalMs: opts.pollIntervalMs ?? (c ? c.wallMs(SDK_POLL_INTERVAL_MS) : 1),
      watchIntervalMs: opts.watchIntervalMs ?? (c ? c.wallMs(WATCH_INTERVAL_MS) : 1),
      lroTimeoutMs: 60_000,
      env: {},
      lookupPublicIp: async () => this.operatorIp,
    };
  }

  throttle(rate: number, seed = 1): this {
    this.faults.throttleRate = rate;
    this.faults.seed = seed;
    this.random = rng(this.faults);
    return this;
  }

  /** Crash at the Nth mutating call from now (of `op`, e.g. `PUT virtualMachines`, when given). */
  crashAt(at: number, when: 'before' | 'after', op?: string): this {
    this.faults.crash = { at, when, ...(op ? { op } : {}) };
    this.counters.mutatingSinceArmed = 0;
    return this;
  }

  failNth(op: string, nth: number, status: number, code: string, message?: string): this {
    this.faults.fail.push({ op, nth, status, code, ...(message ? { message } : {}) });
    this.counters.opCounts[op] = 0;
    return this;
  }

  /** Accept the Nth PUT of `op` from now, then let its operation end Failed with an ARM error. */
  failOperation(op: string, nth: number, code: string, message?: string): this {
    this.faults.failOp.push({ op, nth, code, ...(message ? { message } : {}) });
    this.counters.opCounts[`op:${op}`] = 0;
    return this;
  }

  /** The error the operation this PUT starts must end with (failOperation), if any. */
  operationFailure(op: string): ArmErrorBody | undefined {
    const armed = this.faults.failOp.filter((f) => f.op === op);
    if (armed.length === 0) return undefined;
    const n = (this.counters.opCounts[`op:${op}`] = (this.counters.opCounts[`op:${op}`] ?? 0) + 1);
    const f = armed.find((x) => x.nth === n);
    return f && { code: f.code, message: f.message ?? `injected ${f.code}` };
  }

  clearFaults(): void {
    this.faults = noFaults();
    this.crashed = false;
  }

  callsOf(op: string): FakeCall[] {
    return this.calls.filter((c) => c.op === op);
  }

  mutatingCalls(): FakeCall[] {
    return this.calls.filter((c) => c.mutating && c.status !== 'crash' && c.status !== 429);
  }

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const url = new URL(request.url);
    const path = decodeURIComponent(url.pathname);
    const method = request.method.toUpperCase();
    const mutating = isMutating(method, path);
    const op = `${method} ${opKind(path)}`;
    if (!this.clock) this.tick += this.config.tickMs;
    const call: FakeCall = { method, path, op, mutating, status: 0, at: this.now };
    try {
      const crash = () => {
        call.status = 'crash';
        this.crashed = true;
        this.onCrash?.();
        return new SimulatedCrash(`${op} ${path}`);
      };
      const dead = () => {
        this.calls.push(call);
        return crash();
      };
      if (this.crashed) throw dead();
      // Settle, boot and answer with no await in between (even `await` of a finished promise lets
      // other requests run, and one of them may complete a VM's create): loop until a synchronous
      // check finds nothing left to boot, then answer at once.
      let failedBoot: Reply | undefined;
      while (!failedBoot && !this.settledAndBooted()) failedBoot = await this.bootsInFlight();
      // The "process" may have died while this request waited for boots: then it never reached ARM.
      if (this.crashed) throw dead();
      // Recorded when ARM takes the request up, so calls lists only what took effect or was refused.
      this.calls.push(call);
      call.at = this.now;
      const reply = failedBoot ?? this.dispatch(request, url, path, method, op, mutating, crash);
      call.status = reply.status;
      return this.respond(request, reply);
    } finally {
      this.onCall?.();
    }
  }

  /**
   * Applies every operation that is due and, with onVmBoot, starts the first boot of every VM whose
   * create has Succeeded and that never booted. True when no boot is in flight (this request's or
   * another's): only then may a request be answered, so nobody sees a VM Succeeded before it booted.
   */
  private settledAndBooted(): boolean {
    this.model.settle(this.now);
    if (this.onVmBoot) this.startDueBoots(this.onVmBoot);
    return this.booting.size === 0;
  }

  /** Waits for the boots in flight. A failed boot answers this request: 500 (the SDK retries), and it is tried again then. */
  private async bootsInFlight(): Promise<Reply | undefined> {
    try {
      await Promise.all(this.booting.values());
      return undefined;
    } catch (e) {
      return armError(500, 'InternalServerError', `VM first boot failed: ${(e as Error).message}`);
    }
  }

  private startDueBoots(hook: VmBootHook): void {
    for (const r of this.model.resources.values()) {
      if (kindOf(r.type) !== 'virtualMachines' || r.state !== 'Succeeded') continue;
      const vmId = String(r.properties['vmId']);
      if (this.booted.has(vmId) || this.booting.has(vmId)) continue;
      const boot = (async () => {
        await hook(r, this);
        this.booted.add(vmId);
      })();
      this.booting.set(vmId, boot);
      void boot.then(
        () => this.booting.delete(vmId),
        () => this.booting.delete(vmId),
      );
    }
  }

  private dispatch(
    request: PipelineRequest,
    url: URL,
    path: string,
    method: string,
    op: string,
    mutating: boolean,
    crash: () => Error,
  ): Reply {
    if (this.faults.credentials === 'expired')
      return armError(
        401,
        'ExpiredAuthenticationToken',
        'The access token expiry UTC time is earlier than current UTC time.',
      );
    if (this.faults.throttleRate > 0 && this.random() < this.faults.throttleRate) {
      return {
        ...armError(429, 'TooManyRequests', 'throttled'),
        headers: { 'Retry-After': '1', 'retry-after-ms': '1' },
      };
    }
    for (const f of this.faults.fail) {
      if (f.op !== op) continue;
      const n = (this.counters.opCounts[op] ?? 0) + 1;
      this.counters.opCounts[op] = n;
      if (n === f.nth) return armError(f.status, f.code, f.message ?? `injected ${f.code}`);
    }
    const c = this.faults.crash;
    let crashAfter = false;
    if (mutating && c && (!c.op || c.op === op)) {
      this.counters.mutatingSinceArmed += 1;
      if (this.counters.mutatingSinceArmed === c.at) {
        if (c.when === 'before') throw crash();
        crashAfter = true;
      }
    }
    const body =
      typeof request.body === 'string' && request.body.length > 0 ? (JSON.parse(request.body) as Json) : undefined;
    const refused = this.checkModel(method, path, op, body);
    if (refused) return refused;
    const reply = route(this, { method, path, url, body });
    if (crashAfter) throw crash();
    return reply;
  }

  /**
   * Every body against the model of its operation's body parameter in the SDK packages
   * (./mapper-check.ts): one the model rejects is answered 400 InvalidRequestContent, as ARM does,
   * and reported, so the test that sent it fails even if ksctl swallowed the error.
   */
  private checkModel(method: string, path: string, op: string, body: Json | undefined): Reply | undefined {
    if (body === undefined || method === 'GET' || method === 'DELETE') return undefined;
    const problems = timedCheck(() => bodyProblems(method, opKind(path), body));
    if (problems.length === 0) return undefined;
    reportModelProblem({ cloud: 'azure', op, problems });
    return armError(
      400,
      'InvalidRequestContent',
      `The request content was invalid and could not be deserialized: ${problems.join('; ')}`,
    );
  }

  private respond(request: PipelineRequest, reply: Reply): PipelineResponse {
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    return {
      request,
      status: reply.status,
      headers: createHttpHeaders({
        'content-type': 'application/json',
        'x-ms-request-id': `req-${this.calls.length}`,
        ...reply.headers,
      }),
      bodyAsText: text,
    };
  }

  /** Fake ms until an operation of this verb on this kind finishes. */
  latency(verb: string, kind: string): number {
    return this.config.latencies[`${verb} ${kind}`] ?? this.config.latencies[verb] ?? 0;
  }

  /** Everything that exists, for assertions. */
  inventory(): { kind: string; id: string; tags: Record<string, string>; state: string }[] {
    this.model.settle(this.now);
    return [...this.model.resources.values()].map((r) => ({
      kind: kindOf(r.type),
      id: r.id,
      tags: r.tags,
      state: r.state,
    }));
  }

  /** Counts of resources by kind (`virtualMachines`...), optionally only those tagged `ksctl.io/cluster=<key>`. */
  counts(clusterKey?: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.inventory())
      if (!clusterKey || r.tags['ksctl.io/cluster'] === clusterKey) out[r.kind] = (out[r.kind] ?? 0) + 1;
    return out;
  }

  // ---- persistence (persistence.ts) --------------------------------------------------------------

  toJSON(): PersistedAzure {
    return toPersisted(this);
  }

  static fromJSON(p: PersistedAzure): FakeAzure {
    const f = new FakeAzure({ config: p.config, ...(p.clock ? { clock: new FakeClock(p.clock) } : {}) });
    fromPersisted(f, p);
    f.random = rng(f.faults);
    return f;
  }

  /** Atomic write (temp file + rename), so a reader or a SIGKILL never leaves half a file. */
  save(path: string): void {
    writePersisted(path, this.toJSON());
  }

  static load(path: string): FakeAzure {
    return FakeAzure.fromJSON(readPersisted(path));
  }
}

/** The operation's resource kind from its path: the last type segment (`virtualMachines`, `skus`). */
export function opKind(path: string): string {
  const parts = path.split('/').filter(Boolean);
  const prov = parts.findIndex((p) => p.toLowerCase() === 'providers');
  if (prov < 0) return parts.length >= 3 ? 'resourceGroups' : 'subscriptions';
  const rest = parts.slice(prov + 2);
  // type/name/type/name...: the last type; an action (listClusterUserCredential) counts as itself.
  if (rest.length % 2 === 1) return rest[rest.length - 1]!;
  return rest[rest.length - 2]!;
}
