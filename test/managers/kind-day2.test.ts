/**
 * kind on day 2: no access list (its API server listens on this machine only) and no in-place
 * upgrade (its nodes are containers of one node image): both exit 2 and write nothing, dry run or not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../../src/api/pool-change.js';
import { clusterIdOf } from '../../src/api/types.js';
import { exitCodeOf } from '../../src/errors.js';
import { ManagedManager } from '../../src/managers/managed.js';
import { newClusterState } from '../../src/state/new-state.js';
import { sandbox, stateBytes, type Sandbox } from './day-two-helpers.js';

const spec = applyDefaults({ name: 'dev', provider: 'local', type: 'managed', kubernetesVersion: '1.36' });
const id = clusterIdOf(spec);
let box: Sandbox | undefined;
afterEach(() => box?.cleanup());

describe('kind day 2', () => {
  it('an access change and an upgrade exit 2 saying why, and write nothing', async () => {
    box = sandbox({});
    const h = await box.deps.store.lock(id, 'seed');
    await h.save({ ...newClusterState(spec), phase: 'ready', versions: { kubernetes: 'v1.36.2' } });
    h.release();
    const before = await stateBytes(box.deps, spec);
    const mgr = new ManagedManager(box.deps);
    for (const dryRun of [false, true]) {
      const access = await mgr.updateAccess(id, ['203.0.113.0/24'], { dryRun }).catch((e: Error) => e);
      expect(exitCodeOf(access)).toBe(2);
      expect((access as Error).message).toMatch(/listens on this machine only/);
      const drain = { timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, force: false, deleteEmptyDirData: false };
      const up = await mgr.upgrade(id, { to: '1.37', dryRun, backup: true, drain }).catch((e: Error) => e);
      expect(exitCodeOf(up)).toBe(2);
      expect((up as Error).message).toMatch(/not upgraded in place: their nodes are containers of one node image/);
    }
    expect(await stateBytes(box.deps, spec)).toBe(before);
  });
});
