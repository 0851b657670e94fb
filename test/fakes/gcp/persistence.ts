/**
 * FakeGcp's model as JSON, so several processes can share one fake cloud (the preload,
 * test/fakes/gcp/install.ts, loads it before a ksctl subprocess runs and saves it after every
 * call). The model keeps Maps (tests read `data.instances.get(id)`); JSON gets their entries. The
 * clock state travels too, so the next process continues at the same fake time, and so do armed
 * faults: a crash armed by a test survives into the subprocess that is to crash.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ClockState } from '../aws/clock.js';
import type { FaultConfig } from '../aws/faults.js';
import type { FakeGcpConfig, FakeGcpData } from './model.js';

type Entries<M> = M extends Map<infer K, infer V> ? [K, V][] : never;

/** FakeGcpData with every Map as its entries. */
export type PersistedData = {
  [K in keyof FakeGcpData]: FakeGcpData[K] extends Map<unknown, unknown> ? Entries<FakeGcpData[K]> : FakeGcpData[K];
};

export interface FakeGcpCounters {
  /** Mutating calls counted towards an armed crash. */
  mutating: number;
  /** Calls per operation since its `failNth` was armed. */
  ops: Record<string, number>;
  /** Addresses handed out (the next instance's computed IPs). */
  ips: number;
}

/** One record of a call; `input` only for mutating calls (the request, as the transport got it). */
export interface CallRecord {
  n: number;
  op: string;
  mutating: boolean;
  outcome: string;
  at: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read any field of any request
  input?: any;
}

export interface PersistedGcp {
  version: 1;
  data: PersistedData;
  config: FakeGcpConfig;
  clock: ClockState;
  faults: FaultConfig;
  counters: FakeGcpCounters;
  crashed: boolean;
  operatorIp?: string;
  adcProject?: string;
  calls: CallRecord[];
  opFaults: { op: string; code: string; message: string }[];
}

export function encodeData(d: FakeGcpData): PersistedData {
  return {
    networks: [...d.networks],
    subnetworks: [...d.subnetworks],
    firewalls: [...d.firewalls],
    instances: [...d.instances],
    clusters: [...d.clusters],
    nodePools: [...d.nodePools],
    ops: [...d.ops],
    requestIds: [...d.requestIds],
    seq: d.seq,
  };
}

export function decodeData(p: PersistedData): FakeGcpData {
  return {
    networks: new Map(p.networks),
    subnetworks: new Map(p.subnetworks),
    firewalls: new Map(p.firewalls),
    instances: new Map(p.instances),
    clusters: new Map(p.clusters),
    nodePools: new Map(p.nodePools),
    ops: new Map(p.ops),
    requestIds: new Map(p.requestIds),
    seq: p.seq,
  };
}

/** Atomic write: a reader (another process) sees the old file or the new one, never half of one. */
export function writeAtomic(path: string, p: PersistedGcp): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(p));
  renameSync(`${path}.tmp`, path);
}

export function readPersisted(path: string): PersistedGcp {
  const p = JSON.parse(readFileSync(path, 'utf8')) as PersistedGcp;
  if (p.version !== 1) throw new Error(`${path}: not a FakeGcp state file (version ${String(p.version)})`);
  return p;
}
