/**
 * The stacked etcd restore plan's order (managers/backup/restore-stacked.ts), read from its steps
 * without a cluster: nothing is stopped before every control plane has the snapshot; no etcd stops
 * while an API server runs; no member is restored while another etcd runs; every etcd manifest is back
 * before the health wait (the members need each other for a quorum); the API servers start only after
 * it; the cleanup comes last. The scripts themselves run for real in test/e2e/ssh-backup-stacked.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../../src/backup/manifest.js';
import type { BackupStorage } from '../../../src/backup/targets/types.js';
import { stackedRestoreSteps } from '../../../src/managers/backup/restore-stacked.js';
import { Staging } from '../../../src/managers/backup/staging.js';

const cps = ['cp-0', 'cp-1', 'cp-2'];
const steps = stackedRestoreSteps({
  tag: 't1',
  manifest: { name: 'stk-20261207t000000z' } as BackupManifest,
  storage: { url: 'file:///nowhere' } as BackupStorage,
  staging: new Staging('/nonexistent'),
  key: Buffer.alloc(32),
  etcd: [],
  controlPlanes: cps,
});
const of = (what: string) => steps.filter((s) => s.id.startsWith(`restore/t1/${what}`));
const ids = (what: string) => of(what).map((s) => s.id);

describe('stacked etcd restore plan', () => {
  it('names the bundle in its first step (a re-run finds the unfinished restore) and ends with the cleanup', () => {
    expect(steps[0]!.id).toBe('restore/t1/fetch/stk-20261207t000000z');
    expect(steps.at(-1)!.id).toBe('restore/t1/cleanup');
    expect(steps.at(-1)!.needs.sort()).toEqual(ids('start-api/').sort());
  });

  it.each([
    ['upload/', 'fetch/'],
    ['stop-api/', 'upload/'],
    ['stop-etcd/', 'stop-api/'],
    ['member/', 'stop-etcd/'],
    ['start-etcd/', 'member/'],
    ['etcd-health', 'start-etcd/'],
    ['start-api/', 'etcd-health'],
  ])('every %s step waits for every %s step', (step, before) => {
    expect(of(step).length).toBe(step === 'etcd-health' ? 1 : cps.length);
    for (const s of of(step)) expect([...s.needs].sort()).toEqual(ids(before).sort());
  });

  it('runs each per-member step on its own control plane', () => {
    for (const what of ['upload', 'stop-api', 'stop-etcd', 'member', 'start-etcd', 'start-api'])
      expect(of(`${what}/`).map((s) => s.target)).toEqual(cps);
  });
});
