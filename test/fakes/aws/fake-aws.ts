/**
 * FakeAws — a stateful in-memory stand-in for the AWS APIs ksctl calls (EC2, EKS, IAM, SSM, STS,
 * Service Quotas), for tests and benchmarks. Not a mock of the provider: a small model of the cloud
 * with ids, tags, dependencies, time-driven state, idempotency tokens and AWS's error codes.
 *
 * Where it plugs in: `attach(client)` adds a middleware at the SDK's `deserialize` step, *inside*
 * the retry middleware and after serialisation and signing. So the real SDK builds, serialises and
 * signs every request, and the real retry strategy classifies and retries the fake's throttling
 * errors. (aws-sdk-client-mock replaces `send`, so neither serialisation nor retries run with it;
 * `installClientMock()` offers that mode too, for comparison.) Responses are handed back already
 * deserialised (the response parser does not run).
 */
import { writeFileSync, readFileSync, renameSync } from 'node:fs';
import { HttpResponse } from '@smithy/core/protocols';
import { CredentialsProviderError } from '@smithy/core/config';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { AwsRuntime } from '../../../src/cloud/aws/runtime.js';
import { FakeClock, type ClockState } from './clock.js';
import { SimulatedCrash, modelValidationError, serviceError, throttlingError, type Service } from './errors.js';
import { advanceInstances, computeHandlers } from './fake-ec2-compute.js';
import { networkHandlers } from './fake-ec2-network.js';
import { securityHandlers } from './fake-ec2-security.js';
import { advanceEks, eksHandlers } from './fake-eks.js';
import { advanceEksUpdates, eksUpdateHandlers } from './fake-eks-updates.js';
import { iamHandlers } from './fake-iam.js';
import { quotasHandlers, ssmHandlers, stsHandlers } from './fake-misc.js';
import { isMutating, noFaults, rng, type FaultConfig } from './faults.js';
import {
  defaultConfig,
  emptyData,
  type Env,
  type FakeConfig,
  type FakeData,
  type Handler,
  type Inst,
} from './model.js';
import { inventoryOf, type InventoryItem } from './inventory.js';
import { installClientMock } from './client-mock.js';
import { requestProblems } from './model-check.js';
import { reportModelProblem, timedCheck } from '../common/model-problems.js';

export { SimulatedCrash, isSimulatedCrash } from './errors.js';
export type { InventoryItem } from './inventory.js';

export const HANDLERS: Record<Service, Record<string, Handler>> = {
  ec2: { ...networkHandlers, ...securityHandlers, ...computeHandlers },
  eks: { ...eksHandlers, ...eksUpdateHandlers },
  iam: iamHandlers,
  ssm: ssmHandlers,
  sts: stsHandlers,
  'service-quotas': quotasHandlers,
};

const GLOBAL_SERVICES: Service[] = ['iam', 'sts'];

export interface CallRecord {
  n: number;
  service: Service;
  op: string;
  region: string;
  mutating: boolean;
  /** `ok`, an error code, `throttled` or `crash`. */
  outcome: string;
  at: number;
  /** The request, for mutating calls (what tests assert on: ClientToken, TagSpecifications...). */
  input?: unknown;
}

export interface FakeAwsOptions {
  config?: Partial<Omit<FakeConfig, 'latencies'>> & { latencies?: Partial<FakeConfig['latencies']> };
  /** `virtual` (time moves only through sleeps; tests) or `{ scale }` (default: scale 1000; benchmarks). */
  clock?: 'virtual' | { scale: number };
}

interface Persisted {
  data: FakeData;
  config: FakeConfig;
  clock: ClockState;
  faults: FaultConfig;
  counters: { mutating: number; ops: Record<string, number>; calls: number };
  crashed: boolean;
  operatorIp?: string;
  calls: CallRecord[];
}

export class FakeAws {
  data: FakeData = emptyData();
  config: FakeConfig;
  readonly clock: FakeClock;
  faults: FaultConfig = noFaults();
  calls: CallRecord[] = [];
  /** Once a simulated crash happened, every later call fails too: the "process" is dead. */
  crashed = false;
  /** The operator's public IP the runtime reports (undefined = lookup fails). */
  operatorIp: string | undefined = '198.51.100.77';
  /** In-process address hook: map instances to real SSH test hosts. */
  ipHook: Env['ipHook'];
  /** Called after every call (persistence) and on a simulated crash. */
  onCall: (() => void) | undefined;
  onCrash: (() => void) | undefined;
  /**
   * First boot of an instance (what cloud-init does on a real one), run when the instance reaches
   * `running`. No call returns until every due boot has finished, so nobody sees an instance
   * `running` before its boot ran (test/fakes/common/cloud-init-standin.ts maps instances onto SSH test hosts).
   */
  onInstanceBoot: ((inst: Inst, fake: FakeAws) => Promise<void> | void) | undefined;
  private booting = new Map<string, Promise<void>>();
  private counters = { mutating: 0, ops: {} as Record<string, number>, calls: 0 };
  private random = rng(this.faults);

  constructor(opts: FakeAwsOptions = {}) {
    const base = defaultConfig();
    this.config = { ...base, ...opts.config, latencies: { ...base.latencies, ...opts.config?.latencies } };
    const c = opts.clock ?? { scale: 1000 };
    this.clock = new FakeClock(c === 'virtual' ? { mode: 'virtual' } : { mode: 'scaled', scale: c.scale });
  }

  // ---- fault injection -------------------------------------------------------------------------

  throttle(rate: number, seed = 1): this {
    this.faults.throttleRate = rate;
    this.faults.seed = seed;
    this.random = rng(this.faults);
    return this;
  }

  /** Crash at the Nth mutating call from now (of `op` only, when given). */
  crashAt(at: number, when: 'before' | 'after', op?: string): this {
    this.faults.crash = { at, when, ...(op ? { op } : {}) };
    this.counters.mutating = 0;
    return this;
  }

  /** Fail the Nth call of `op` (`ec2:RunInstances`) from now with an AWS error code. */
  failNth(op: string, nth: number, code: string, message?: string): this {
    this.counters.ops[op] = 0;
    this.faults.fail.push({ op, nth, code, ...(message ? { message } : {}) });
    return this;
  }

  /** Clears faults and revives a crashed fake (the next process starts). */
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

  /** Calls of one operation (`ec2:RunInstances`), optionally only successful ones. */
  callsOf(op: string, outcome?: string): CallRecord[] {
    return this.calls.filter((c) => `${c.service}:${c.op}` === op && (outcome === undefined || c.outcome === outcome));
  }

  // ---- the call path ---------------------------------------------------------------------------

  async dispatch(service: Service, op: string, input: unknown, region: string): Promise<Record<string, unknown>> {
    const handler = HANDLERS[service]?.[op];
    const name = `${service}:${op}`;
    if (!handler) throw new Error(`FakeAws: ${name} is not modelled`);
    if (this.crashed) throw new SimulatedCrash(`${name} (after the crash)`);
    if (this.config.latencies.api > 0) await this.clock.sleep(this.config.latencies.api);
    const mutating = isMutating(op);
    const rec: CallRecord = {
      n: ++this.counters.calls,
      service,
      op,
      region,
      mutating,
      outcome: 'ok',
      at: this.clock.now(),
      ...(mutating ? { input: structuredClone(input) } : {}),
    };
    this.calls.push(rec);
    try {
      if (!GLOBAL_SERVICES.includes(service) && !this.config.regions.some((r) => r.name === region)) {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${service}.${region}.amazonaws.com`), {
          code: 'ENOTFOUND',
          name: 'Error',
        });
      }
      if (this.faults.credentials === 'expired') {
        throw serviceError(
          service,
          service === 'ec2' || service === 'iam' ? 'ExpiredToken' : 'ExpiredTokenException',
          'The security token included in the request is expired',
        );
      }
      if (this.faults.throttleRate > 0 && this.random() < this.faults.throttleRate) {
        rec.outcome = 'throttled';
        throw throttlingError(service);
      }
      this.checkModel(service, op, input);
      const nth = (this.counters.ops[name] = (this.counters.ops[name] ?? 0) + 1);
      const fail = this.faults.fail.find((f) => f.op === name && f.nth === nth);
      if (fail) throw serviceError(service, fail.code, fail.message ?? fail.code);
      const crash = this.faults.crash;
      const counted = mutating && (!crash?.op || crash.op === name);
      const idx = counted ? ++this.counters.mutating : 0;
      if (counted && crash?.at === idx && crash.when === 'before') this.crash(rec, name);
      if (this.onInstanceBoot) await this.bootDue();
      const env: Env = {
        data: this.data,
        config: this.config,
        now: this.clock.now(),
        region,
        ...(this.ipHook ? { ipHook: this.ipHook } : {}),
      };
      advanceInstances(env);
      advanceEks(env);
      advanceEksUpdates(env);
      let out: unknown;
      try {
        out = handler(env, structuredClone(input));
      } finally {
        if (counted && crash?.at === idx && crash.when === 'after') this.crash(rec, name);
      }
      return out as Record<string, unknown>;
    } catch (e) {
      if (rec.outcome === 'ok') rec.outcome = (e as Error).name || 'Error';
      throw e;
    } finally {
      this.onCall?.();
    }
  }

  /**
   * Every request is checked against botocore's model of its operation (./model-check.ts). One
   * the model rejects is answered with the service's validation error, as AWS would, and reported
   * (../common/model-problems.ts), so the test that sent it fails even if ksctl swallowed the error.
   */
  private checkModel(service: Service, op: string, input: unknown): void {
    const problems = timedCheck(() => requestProblems(service, op, input));
    if (problems.length === 0) return;
    reportModelProblem({ cloud: 'aws', op: `${service}:${op}`, problems });
    throw modelValidationError(service, problems);
  }

  /** Runs onInstanceBoot for instances that reached `running` and were never booted; waits for all boots in flight. */
  private async bootDue(): Promise<void> {
    const env: Env = { data: this.data, config: this.config, now: this.clock.now(), region: '' };
    advanceInstances(env);
    for (const x of Object.values(this.data.instances)) {
      if (x.state !== 'running' || x.booted || this.booting.has(x.id)) continue;
      const boot = (async () => {
        await this.onInstanceBoot!(x, this);
        x.booted = true;
      })();
      this.booting.set(x.id, boot);
      // A failed boot is retried by the next call (and fails that call too).
      boot.catch(() => undefined).finally(() => this.booting.delete(x.id));
    }
    await Promise.all(this.booting.values());
  }

  private crash(rec: CallRecord, name: string): never {
    rec.outcome = 'crash';
    this.crashed = true;
    this.onCrash?.();
    throw new SimulatedCrash(name);
  }

  /** Routes one SDK client's calls into the fake, inside its retry middleware (see file comment). */
  attach(client: unknown, service: Service): void {
    const c = client as {
      middlewareStack: { add(mw: unknown, opts: Record<string, unknown>): void };
      config: { region: () => Promise<string> | string };
    };
    c.middlewareStack.add(
      (_next: unknown, context: { commandName?: string }) => async (args: { input: unknown }) => {
        const op = (context.commandName ?? '').replace(/Command$/, '');
        const region = typeof c.config.region === 'function' ? await c.config.region() : String(c.config.region);
        const output = await this.dispatch(service, op, args.input, region);
        return {
          output: { ...output, $metadata: { httpStatusCode: 200, requestId: `fake-${this.counters.calls}` } },
          response: new HttpResponse({ statusCode: 200, headers: {} }),
        };
      },
      { step: 'deserialize', priority: 'high', name: 'ksctlFakeAws', override: true },
    );
  }

  /**
   * What to give the provider: fake clock, operator IP, fake credentials, a retry strategy whose
   * backoff runs on the fake clock, and `attach` for every client it builds.
   */
  runtime(opts: { maxAttempts?: number } = {}): Partial<AwsRuntime> {
    const maxAttempts = opts.maxAttempts ?? 8;
    const clock = this.clock;
    return {
      clock,
      lookupPublicIp: async () => this.operatorIp,
      clientConfig: {
        credentials: async () => {
          if (this.faults.credentials === 'missing')
            throw new CredentialsProviderError('Could not load credentials from any providers', { tryNextLink: false });
          return {
            accessKeyId: 'AKIAFAKEKSCTLTESTING',
            secretAccessKey: 'fake/secret/for/ksctl/tests',
            sessionToken: 'fake-session',
          };
        },
        maxAttempts,
        // Exponential backoff with full jitter, as the SDK does, but on the fake clock.
        retryStrategy: new ConfiguredRetryStrategy(maxAttempts, (attempt: number) =>
          Math.floor(clock.wallMs(Math.random() * Math.min(20_000, 500 * 2 ** attempt))),
        ),
      },
      configureClient: (client, service) => this.attach(client, service),
    };
  }

  // ---- inspection ------------------------------------------------------------------------------

  /** Every live resource (terminated instances and deleted volumes excluded). */
  inventory(): InventoryItem[] {
    const now = this.clock.now();
    const env: Env = { data: this.data, config: this.config, now, region: '' };
    advanceInstances(env);
    advanceEks(env);
    advanceEksUpdates(env);
    return inventoryOf(this.data);
  }

  /** Counts of live resources by kind, optionally only those tagged `ksctl.io/cluster=<key>`. */
  counts(clusterKey?: string, opts: { includeAwsManaged?: boolean } = {}): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.inventory()) {
      if (r.awsManaged && !opts.includeAwsManaged) continue;
      if (clusterKey && r.tags['ksctl.io/cluster'] !== clusterKey) continue;
      out[r.kind] = (out[r.kind] ?? 0) + 1;
    }
    return out;
  }

  // ---- persistence -----------------------------------------------------------------------------

  toJSON(): Persisted {
    return {
      data: this.data,
      config: this.config,
      clock: this.clock.toJSON(),
      faults: this.faults,
      counters: this.counters,
      crashed: this.crashed,
      ...(this.operatorIp ? { operatorIp: this.operatorIp } : {}),
      calls: this.calls,
    };
  }

  static fromJSON(p: Persisted): FakeAws {
    const f = new FakeAws({ config: p.config });
    Object.assign(f, {
      data: p.data,
      faults: p.faults,
      counters: p.counters,
      crashed: p.crashed,
      operatorIp: p.operatorIp,
      calls: p.calls ?? [],
    });
    (f as unknown as { clock: FakeClock }).clock = new FakeClock(p.clock);
    f.random = rng(f.faults);
    return f;
  }

  /** Atomic write (temp file + rename). */
  save(path: string): void {
    writeFileSync(`${path}.tmp`, JSON.stringify(this.toJSON()));
    renameSync(`${path}.tmp`, path);
  }

  static load(path: string): FakeAws {
    return FakeAws.fromJSON(JSON.parse(readFileSync(path, 'utf8')) as Persisted);
  }

  /** The aws-sdk-client-mock way (see client-mock.ts). Returns a restore function. */
  installClientMock(): Promise<() => void> {
    return installClientMock(this);
  }
}
