/**
 * FakeAzure as a JSON file, so that a cloud outlives the ksctl process that changed it: install.ts
 * loads it before the process runs and saves it after every request; a test reads it back after.
 * Everything that decides a later answer is kept: resources and their async operations, the id and
 * address counters, fake time (the per-request tick, or the clock's state), config (latencies,
 * ipMap...), faults with their counters (so an armed crash fires in the next process) and the calls.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ClockState } from '../aws/clock.js';
import type { FakeAzureConfig } from './catalog.js';
import type { FakeAzure, FakeCall } from './fake-azure.js';
import type { AzureFaultConfig } from './faults.js';
import { ArmModel, type ArmModelState } from './model.js';

export interface PersistedAzure {
  model: ArmModelState;
  config: FakeAzureConfig;
  tick: number;
  /** Present when the fake runs on a clock rather than per-request ticks. */
  clock?: ClockState;
  faults: AzureFaultConfig;
  counters: FakeAzure['counters'];
  crashed: boolean;
  operatorIp?: string;
  /** `vmId`s of VMs that had their first boot. */
  booted: string[];
  calls: FakeCall[];
}

export function toPersisted(f: FakeAzure): PersistedAzure {
  return {
    model: f.model.toJSON(),
    config: f.config,
    tick: f.tick,
    ...(f.clock ? { clock: f.clock.toJSON() } : {}),
    faults: f.faults,
    counters: f.counters,
    crashed: f.crashed,
    ...(f.operatorIp ? { operatorIp: f.operatorIp } : {}),
    booted: [...f.booted],
    calls: f.calls,
  };
}

/** Restores into a fake built with the persisted config and clock. */
export function fromPersisted(f: FakeAzure, p: PersistedAzure): void {
  f.model = ArmModel.fromJSON(p.model);
  f.tick = p.tick;
  f.faults = p.faults;
  f.counters = p.counters;
  f.crashed = p.crashed;
  f.operatorIp = p.operatorIp;
  f.booted = new Set(p.booted);
  f.calls = p.calls;
}

/** Temp file, then rename: a reader (or a SIGKILL mid-write) never sees half a file. */
export function writePersisted(path: string, p: PersistedAzure): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(p));
  renameSync(`${path}.tmp`, path);
}

export function readPersisted(path: string): PersistedAzure {
  return JSON.parse(readFileSync(path, 'utf8')) as PersistedAzure;
}
