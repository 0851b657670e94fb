/**
 * What every Azure operation works with: the step context, the spec, the API (built lazily for the
 * spec's subscription) and the runtime. One per call of a provider method.
 */
import type { ClusterSpec } from '../../api/types.js';
import { InputError } from '../../errors.js';
import type { StepContext } from '../../pipeline/types.js';
import type { Logger } from '../../util/log.js';
import { azureApiFactory } from './clients.js';
import { clusterKey, resourceGroupName } from './naming.js';
import type { AzureRuntime } from './runtime.js';
import type { AzureApi } from './sdk.js';

export interface AzCtx {
  readonly ctx: StepContext;
  readonly spec: ClusterSpec;
  readonly api: AzureApi;
  readonly runtime: AzureRuntime;
  /** `azure/<region>/<name>`, the value of every `ksctl.io/cluster` tag. */
  readonly key: string;
  /** The cluster's resource group. */
  readonly group: string;
  readonly log: Logger;
}

/** spec.credentials.subscriptionId, else AZURE_SUBSCRIPTION_ID, else an input error naming the flag. */
export function subscriptionOf(spec: ClusterSpec, runtime: AzureRuntime): string {
  const sub = spec.credentials?.subscriptionId?.trim() || runtime.env['AZURE_SUBSCRIPTION_ID']?.trim();
  if (!sub) {
    throw new InputError('no Azure subscription given', ['spec.credentials.subscriptionId'], {
      hint: 'pass --subscription <id> or set AZURE_SUBSCRIPTION_ID',
    });
  }
  if (!/^[0-9a-fA-F-]{36}$/.test(sub)) {
    throw new InputError(`"${sub}" is not an Azure subscription id (a GUID)`, ['spec.credentials.subscriptionId'], {
      hint: 'pass --subscription <id>; `az account show --query id` prints yours',
    });
  }
  return sub;
}

/** Caches one API per subscription for the life of a provider instance. */
export class ApiCache {
  private readonly bySub = new Map<string, (signal?: AbortSignal) => AzureApi>();
  constructor(private readonly runtime: AzureRuntime) {}

  get(spec: ClusterSpec, signal?: AbortSignal): AzureApi {
    const sub = subscriptionOf(spec, this.runtime);
    let make = this.bySub.get(sub);
    if (!make) {
      make = azureApiFactory(this.runtime, sub);
      this.bySub.set(sub, make);
    }
    return make(signal);
  }
}

export function azCtx(ctx: StepContext, apis: ApiCache, runtime: AzureRuntime): AzCtx {
  return {
    ctx,
    spec: ctx.spec,
    api: apis.get(ctx.spec, ctx.signal),
    runtime,
    key: clusterKey(ctx.spec),
    group: resourceGroupName(ctx.spec),
    log: ctx.log,
  };
}
