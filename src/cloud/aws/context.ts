/**
 * What every AWS operation works with: the step context, the spec, the lazily built clients and the
 * runtime (clock, IP lookup). One per call of a provider method, built from the StepContext.
 */
import type { ClusterSpec } from '../../api/types.js';
import type { StepContext } from '../../pipeline/types.js';
import type { Logger } from '../../util/log.js';
import { createAwsClients } from './clients.js';
import { clusterKey } from './naming.js';
import type { AwsRuntime } from './runtime.js';
import type { AwsClients } from './sdk.js';
import { waitFor, type WaitOptions } from '../common/wait.js';

export interface AwsCtx {
  readonly ctx: StepContext;
  readonly spec: ClusterSpec;
  readonly aws: AwsClients;
  readonly runtime: AwsRuntime;
  /** `aws/<region>/<name>`, the value of every `ksctl.io/cluster` tag. */
  readonly key: string;
  readonly log: Logger;
  wait<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    opts: Partial<WaitOptions> & { timeoutMs: number },
  ): Promise<T>;
}

/** Caches clients per region+profile for the life of one provider instance. */
export class ClientCache {
  private readonly byKey = new Map<string, AwsClients>();
  constructor(private readonly runtime: AwsRuntime) {}

  get(spec: ClusterSpec): AwsClients {
    const profile = spec.credentials?.profile;
    const k = `${spec.region}|${profile ?? ''}`;
    let c = this.byKey.get(k);
    if (!c) {
      c = createAwsClients({ region: spec.region, runtime: this.runtime, ...(profile ? { profile } : {}) });
      this.byKey.set(k, c);
    }
    return c;
  }
}

export function awsCtx(ctx: StepContext, clients: ClientCache, runtime: AwsRuntime): AwsCtx {
  return {
    ctx,
    spec: ctx.spec,
    aws: clients.get(ctx.spec),
    runtime,
    key: clusterKey(ctx.spec),
    log: ctx.log,
    wait: (what, probe, opts) =>
      waitFor(what, probe, { clock: runtime.clock, signal: ctx.signal, log: ctx.log, ...opts }),
  };
}

/** Collects every page of an EC2-style `NextToken` listing. */
export async function allPages<O extends { NextToken?: string | undefined }, T>(
  call: (token: string | undefined) => Promise<O>,
  items: (o: O) => T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await call(token);
    out.push(...(items(page) ?? []));
    token = page.NextToken || undefined;
  } while (token);
  return out;
}
