/**
 * State schema 1 → 2 (node pools), against golden fixtures: v1/*.state.json were written by the v1 code
 * (the commit before pools) from the v1/*.yaml cluster files; v2/*.state.json is what they must become.
 * A migrated cluster must also equal what its own cluster file resolves to today, or `create` would
 * refuse to resume it and `apply` would show changes nobody made.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { parseClusterFile } from '../../src/api/file.js';
import { assertValidSpec } from '../../src/api/validate.js';
import { specDifferences } from '../../src/managers/spec-drift.js';
import { migrateState } from '../../src/state/migrate.js';
import { STATE_SCHEMA_VERSION } from '../../src/state/types.js';

const fixture = (path: string) => readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8');
const CASES = ['selfmanaged-aws', 'managed-eks', 'kind'];

describe('state v1 → v2 (node pools)', () => {
  it('is the current schema version', () => {
    expect(STATE_SCHEMA_VERSION).toBe(2);
  });

  it.each(CASES)('%s: the v1 state migrates to the golden v2 state', (name) => {
    const migrated = migrateState(JSON.parse(fixture(`v1/${name}.state.json`)), `${name}.state.json`);
    expect(migrated).toEqual(JSON.parse(fixture(`v2/${name}.state.json`)));
  });

  it.each(CASES)('%s: the migrated spec is what its cluster file resolves to today', (name) => {
    const migrated = migrateState(JSON.parse(fixture(`v1/${name}.state.json`)), name);
    const today = assertValidSpec(applyDefaults(parseClusterFile(fixture(`v1/${name}.yaml`))));
    expect(today).toEqual(migrated.spec);
    expect(specDifferences(migrated.spec, today)).toEqual([]);
  });

  it('keeps every machine and gives only workers a pool', () => {
    const v1 = JSON.parse(fixture('v1/selfmanaged-aws.state.json'));
    const migrated = migrateState(v1, 'selfmanaged-aws');
    expect(Object.keys(migrated.machines)).toEqual(Object.keys(v1.machines));
    for (const m of Object.values(migrated.machines)) expect(m.pool).toBe(m.role === 'worker' ? 'default' : undefined);
    expect(migrated.spec.nodePools).toEqual([
      { name: 'default', count: 2, size: 't3.large', spot: true, labels: {}, taints: [] },
    ]);
  });

  it('is idempotent on a v2 document and leaves the input object alone', () => {
    const v1 = JSON.parse(fixture('v1/managed-eks.state.json'));
    const copy = structuredClone(v1);
    const once = migrateState(v1, 'a');
    expect(v1).toEqual(copy);
    expect(migrateState(structuredClone(once), 'b')).toEqual(once);
  });

  it('keeps labels a hand-edited v1 pool has, and gives a v1 spec without a pool list one', () => {
    const v1 = JSON.parse(fixture('v1/managed-eks.state.json'));
    v1.spec.nodePools[0].labels = { team: 'a' };
    expect(migrateState(v1, 'x').spec.nodePools[0]!.labels).toEqual({ team: 'a' });
    const broken = JSON.parse(fixture('v1/kind.state.json'));
    delete broken.spec.nodePools;
    broken.spec.provider = 'aws';
    expect(migrateState(broken, 'broken.json').spec.nodePools).toEqual([]);
  });

  it('refuses (untouched) a v2 state whose pool lost its labels or taints, instead of failing later', () => {
    const v2 = JSON.parse(fixture('v2/managed-eks.state.json'));
    delete v2.spec.nodePools[1].taints;
    expect(() => migrateState(v2, 'hand-edited.json')).toThrow(
      /hand-edited\.json: "spec" must be a cluster spec; it was left untouched/,
    );
  });
});
