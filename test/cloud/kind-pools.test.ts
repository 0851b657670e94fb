/**
 * kind workers per pool, each with its pool's labels (kind's v1alpha4 `Node.labels`) and ksctl.io/pool;
 * the kind stand-in's strict decoder (yaml.v3 KnownFields, as kind) reads the config back.
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { assertValidSpec } from '../../src/api/validate.js';
import { kindConfig } from '../../src/cloud/local/kind-config.js';
// @ts-expect-error the stand-in is plain JavaScript without types
import { parseConfig } from '../standins/kind/lib/config.mjs';

describe('kind workers with labels', () => {
  it('makes one worker per pool node, labelled with the pool', () => {
    const spec = assertValidSpec(
      applyDefaults({
        name: 'dev',
        provider: 'local',
        nodePools: [
          { name: 'web', count: 2, labels: { tier: 'web', 'example.com/team': 'a' } },
          { name: 'db', count: 1 },
        ],
      }),
    );
    const text = kindConfig(spec);
    const cfg = parse(text) as { nodes: { role: string; labels?: Record<string, string> }[] };
    expect(cfg.nodes).toEqual([
      { role: 'control-plane' },
      { role: 'worker', labels: { tier: 'web', 'example.com/team': 'a', 'ksctl.io/pool': 'web' } },
      { role: 'worker', labels: { tier: 'web', 'example.com/team': 'a', 'ksctl.io/pool': 'web' } },
      { role: 'worker', labels: { 'ksctl.io/pool': 'db' } },
    ]);
    const read = parseConfig(text) as { nodes: { role: string; labels?: Record<string, string> }[] };
    expect(read.nodes.map((n) => n.labels?.['ksctl.io/pool'] ?? n.role)).toEqual(['control-plane', 'web', 'web', 'db']);
  });

  it('keeps a spec without pools as it was: its workers, labelled as the default pool', () => {
    const spec = assertValidSpec(applyDefaults({ name: 'dev', provider: 'local', workers: { count: 1 } }));
    expect((parse(kindConfig(spec)) as { nodes: unknown[] }).nodes).toEqual([
      { role: 'control-plane' },
      { role: 'worker', labels: { 'ksctl.io/pool': 'default' } },
    ]);
    expect(() =>
      parseConfig('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n  labels: [a]\n'),
    ).toThrow(/cannot unmarshal !!seq into map\[string\]string/);
  });
});
