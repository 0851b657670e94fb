/**
 * What the GCP provider takes from its surroundings: a clock, the operator's public IP lookup, the
 * environment, Application Default Credentials, and hooks to adjust SDK clients. Tests pass a fake
 * (test/fakes/gcp) to the factory, directly or through the registry's ProviderHooks.
 */
import { realClock, type Clock } from '../common/clock.js';
import { checkIpLookup } from '../common/public-ip.js';

export type { Clock };

export interface AdcInfo {
  /** Who the credentials belong to, for debug logs (may be unknown). */
  account?: string;
  /** The project ADC names (gcloud config, service-account key), if any. */
  project?: string;
}

export interface GcpRuntime {
  clock: Clock;
  lookupPublicIp(signal?: AbortSignal): Promise<string | undefined>;
  env: Record<string, string | undefined>;
  /** Checks that Application Default Credentials can mint a token; throws when they cannot. */
  adc(): Promise<AdcInfo>;
  /** Merged into every SDK client's options. */
  clientOptions?: Record<string, unknown>;
  /** Called once per SDK client after construction (tests attach their fake transport here). */
  configureClient?(client: unknown, name: string): void;
}

async function realAdc(): Promise<AdcInfo> {
  const { GoogleAuth } = await import('google-auth-library');
  const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  const token = await auth.getAccessToken();
  if (!token) throw new Error('Application Default Credentials returned no access token');
  const out: AdcInfo = {};
  try {
    const project = await auth.getProjectId();
    if (project) out.project = project;
  } catch {
    // no project in ADC: the caller decides whether that matters
  }
  try {
    const creds = await auth.getCredentials();
    if (creds.client_email) out.account = creds.client_email;
  } catch {
    // user credentials carry no e-mail
  }
  return out;
}

const defaults: GcpRuntime = { clock: realClock, lookupPublicIp: checkIpLookup, env: process.env, adc: realAdc };

export function resolveRuntime(override: Partial<GcpRuntime> = {}): GcpRuntime {
  return { ...defaults, ...override };
}
