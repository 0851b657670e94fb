/**
 * What every GCP operation works with: the step context, the spec, the project, the lazily built
 * clients and the runtime. A GcpSession (one per provider instance) resolves the project once and
 * caches clients per project.
 */
import type { ClusterSpec } from '../../api/types.js';
import { InputError } from '../../errors.js';
import type { StepContext } from '../../pipeline/types.js';
import type { Logger } from '../../util/log.js';
import { waitFor, type WaitOptions } from '../common/wait.js';
import { createGcpClients } from './clients.js';
import { clusterKey } from './naming.js';
import type { AdcInfo, GcpRuntime } from './runtime.js';
import type { GcpClients } from './sdk.js';

export interface GcpCtx {
  readonly ctx: StepContext;
  readonly spec: ClusterSpec;
  readonly project: string;
  readonly api: GcpClients;
  readonly runtime: GcpRuntime;
  /** `gcp/<region>/<name>`. */
  readonly key: string;
  readonly log: Logger;
  wait<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    opts: Partial<WaitOptions> & { timeoutMs: number },
  ): Promise<T>;
}

const PROJECT_ENV = ['GOOGLE_CLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT', 'GCLOUD_PROJECT'];

/** The project: `--project`, else the environment, else what ADC names; InputError otherwise. */
export function projectOf(spec: ClusterSpec, runtime: GcpRuntime, adc: AdcInfo | undefined): string {
  const fromEnv = PROJECT_ENV.map((k) => runtime.env[k]).find((v) => v && v.trim());
  const project = spec.credentials?.project || fromEnv?.trim() || adc?.project;
  if (!project) {
    throw new InputError('no GCP project given', ['spec.credentials.project'], {
      hint: 'pass --project <project-id> (or set GOOGLE_CLOUD_PROJECT)',
    });
  }
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project) && !/^[a-z0-9.-]+:[a-z][a-z0-9-]+$/.test(project)) {
    throw new InputError(`"${project}" is not a GCP project id`, ['spec.credentials.project'], {
      hint: 'pass --project <project-id>',
    });
  }
  return project;
}

export class GcpSession {
  private adcInfo: Promise<AdcInfo> | undefined;
  private readonly clients = new Map<string, GcpClients>();

  constructor(readonly runtime: GcpRuntime) {}

  /** ADC checked once per process; a failure is retried next time. */
  adc(): Promise<AdcInfo> {
    if (!this.adcInfo) {
      this.adcInfo = this.runtime.adc().catch((e: unknown) => {
        this.adcInfo = undefined;
        throw new InputError('Google Cloud credentials are not usable', ['spec.credentials'], {
          cause: e,
          hint: 'run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS',
        });
      });
    }
    return this.adcInfo;
  }

  /** Resolves the project (asking ADC only when neither flag nor environment names one). */
  async project(spec: ClusterSpec): Promise<string> {
    const needAdc = !spec.credentials?.project && !PROJECT_ENV.some((k) => this.runtime.env[k]);
    return projectOf(spec, this.runtime, needAdc ? await this.adc() : undefined);
  }

  async ctxOf(ctx: StepContext): Promise<GcpCtx> {
    const project = await this.project(ctx.spec);
    let api = this.clients.get(project);
    if (!api) {
      api = createGcpClients(project, this.runtime);
      this.clients.set(project, api);
    }
    const runtime = this.runtime;
    return {
      ctx,
      spec: ctx.spec,
      project,
      api,
      runtime,
      key: clusterKey(ctx.spec),
      log: ctx.log,
      wait: (what, probe, opts) =>
        waitFor(what, probe, { clock: runtime.clock, signal: ctx.signal, log: ctx.log, ...opts }),
    };
  }
}
