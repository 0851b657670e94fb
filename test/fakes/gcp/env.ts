/** What a FakeGcp handler sees: the model, the configuration, fake time and small helpers. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Instance, Operation } from '../../../src/cloud/gcp/sdk.js';
import type { FakeGcpConfig, FakeGcpData, FakeOp } from './model.js';

export interface Env {
  data: FakeGcpData;
  config: FakeGcpConfig;
  now(): number;
  nextId(): string;
  nextIp(): number;
  link(id: string): string;
  /** A new operation on `target`, DONE after `latency` (then what it `removes` goes, or `error` is reported). */
  op(
    type: string,
    scope: { zone?: string; region?: string },
    latency: number,
    target: string,
    opts?: Pick<FakeOp, 'removes' | 'error'>,
  ): Operation;
  opView(id: string): Operation;
  /** Resolves when the operation is DONE or 2 fake minutes passed. */
  waitOp(id: string): Promise<Operation>;
  instanceView(id: string): Instance;
  cpusInRegion(region: string): number;
  /** An armed operation fault for this call (`instances:insert`), consumed. */
  opFault(op: string): { code: string; message: string } | undefined;
  /** A list response: `{ items, nextPageToken }`, paged by `config`'s page size. */
  page(items: unknown[], req: any): any;
}

export type Handler = (env: Env, req: any) => any;
