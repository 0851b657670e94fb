/**
 * FakeAzure — a stand-in for Azure Resource Manager at the SDK's HTTP boundary. It is the SDK's
 * `httpClient` (core-rest-pipeline HttpClient), so the real request building, serialisation, bearer
 * token, retry and LRO polling policies all run; only the wire is fake. See README.md.
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { AzureRuntime } from '../../../src/cloud/azure/runtime.js';
import { defaultConfig, type FakeAzureConfig } from './catalog.js';
import { isMutating, noFaults, rng, SimulatedCrash, type AzureFaultConfig } from './faults.js';
import { ArmModel, kindOf, type Json } from './model.js';
import { route } from './routes.js';

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
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const armError = (status: number, code: string, message: string): Reply => ({ status, body: { error: { code, message } } });

export class FakeAzure implements HttpClient {
  readonly model = new ArmModel();
  readonly config: FakeAzureConfig = defaultConfig();
  faults: AzureFaultConfig = noFaults();
  readonly calls: FakeCall[] = [];
  /** Fake time in ms; advances `config.tickMs` per request. */
  now = 0;
  /** The operator address the IP lookup returns (undefined: the lookup fails). */
  operatorIp: string | undefined = '203.0.113.7';
  onCrash: (() => void) | undefined;
  private crashed = false;
  private mutatingSinceArmed = 0;
  private opCounts = new Map<string, number>();
  private random = rng({ seed: 1 });

  /** A TokenCredential that never touches real Azure auth. */
  readonly credential: TokenCredential = {
    getToken: async (): Promise<AccessToken | null> => {
      if (this.faults.credentials === 'missing') {
        throw Object.assign(new Error('DefaultAzureCredential failed to retrieve a token from the included credentials.'), { name: 'CredentialUnavailableError' });
      }
      return { token: this.faults.credentials === 'expired' ? 'expired-token' : 'fake-token', expiresOnTimestamp: Date.now() + 3600_000 };
    },
  };

  /** What the Azure provider should be built with to talk to this fake. */
  runtime(): Partial<AzureRuntime> {
    return {
      credential: this.credential,
      clientOptions: { httpClient: this, retryOptions: { maxRetries: 10, retryDelayInMs: 1, maxRetryDelayInMs: 4 } },
      pollIntervalMs: 1,
      lroTimeoutMs: 60_000,
      env: {},
      lookupPublicIp: async () => this.operatorIp,
    };
  }

  throttle(rate: number, seed = 1): this {
    this.faults.throttleRate = rate;
    this.random = rng({ seed });
    return this;
  }

  crashAt(at: number, when: 'before' | 'after', op?: string): this {
    this.faults.crash = { at, when, ...(op ? { op } : {}) };
    this.mutatingSinceArmed = 0;
    return this;
  }

  failNth(op: string, nth: number, status: number, code: string, message?: string): this {
    this.faults.fail.push({ op, nth, status, code, ...(message ? { message } : {}) });
    this.opCounts.set(`fail:${op}`, 0);
    return this;
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
    const call: FakeCall = { method, path, op, mutating, status: 0 };
    this.calls.push(call);
    this.now += this.config.tickMs;
    this.model.settle(this.now);
    const crash = () => {
      call.status = 'crash';
      this.crashed = true;
      this.onCrash?.();
      return new SimulatedCrash(`${op} ${path}`);
    };
    if (this.crashed) throw crash();
    const reply = this.dispatch(request, url, path, method, op, mutating, crash);
    call.status = reply.status;
    return this.respond(request, reply);
  }

  private dispatch(request: PipelineRequest, url: URL, path: string, method: string, op: string, mutating: boolean, crash: () => Error): Reply {
    if (this.faults.credentials === 'expired') return armError(401, 'ExpiredAuthenticationToken', 'The access token expiry UTC time is earlier than current UTC time.');
    if (this.faults.throttleRate > 0 && this.random() < this.faults.throttleRate) {
      return { ...armError(429, 'TooManyRequests', 'throttled'), headers: { 'Retry-After': '1', 'retry-after-ms': '1' } };
    }
    for (const f of this.faults.fail) {
      if (f.op !== op) continue;
      const n = (this.opCounts.get(`fail:${op}`) ?? 0) + 1;
      this.opCounts.set(`fail:${op}`, n);
      if (n === f.nth) return armError(f.status, f.code, f.message ?? `injected ${f.code}`);
    }
    const c = this.faults.crash;
    let crashAfter = false;
    if (mutating && c && (!c.op || c.op === op)) {
      this.mutatingSinceArmed += 1;
      if (this.mutatingSinceArmed === c.at) {
        if (c.when === 'before') throw crash();
        crashAfter = true;
      }
    }
    const body = typeof request.body === 'string' && request.body.length > 0 ? (JSON.parse(request.body) as Json) : undefined;
    const reply = route(this, { method, path, url, body });
    if (crashAfter) throw crash();
    return reply;
  }

  private respond(request: PipelineRequest, reply: Reply): PipelineResponse {
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    return {
      request,
      status: reply.status,
      headers: createHttpHeaders({ 'content-type': 'application/json', 'x-ms-request-id': `req-${this.calls.length}`, ...reply.headers }),
      bodyAsText: text,
    };
  }

  /** Fake ms until an operation of this verb on this kind finishes. */
  latency(verb: string, kind: string): number {
    return this.config.latencies[`${verb} ${kind}`] ?? this.config.latencies[verb] ?? 0;
  }

  /** Everything that exists, for assertions. */
  inventory(): { kind: string; id: string; tags: Record<string, string>; state: string }[] {
    return [...this.model.resources.values()].map((r) => ({ kind: kindOf(r.type), id: r.id, tags: r.tags, state: r.state }));
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
