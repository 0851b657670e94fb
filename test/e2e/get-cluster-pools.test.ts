/**
 * `ksctl get cluster` shows each node pool's desired count (from state) and ready count (from the
 * cluster's API): the built CLI against the REAL control plane on loopback (etcd, kube-apiserver
 * v1.37.2, kwok's simulated nodes), its CA verified, nodes found by ksctl.io/pool or the cloud's pool
 * label. With the API gone the counts are "unknown" within the short bound and `get` still exits 0.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { assertValidSpec } from '../../src/api/validate.js';
import { clusterIdOf } from '../../src/api/types.js';
import { KUBECONFIG_SECRET } from '../../src/managers/ksctl.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { newClusterState } from '../../src/state/new-state.js';
import { ksctl, sandbox, type Sandbox } from '../helpers/cli.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { missingControlPlaneBinaries } from '../helpers/kube-binaries.js';
import { createPool } from '../helpers/kwok-workloads.js';

const missing = missingControlPlaneBinaries();

describe.skipIf(missing.length > 0)('get cluster: pools with desired and ready counts', () => {
  let cp: ControlPlane | undefined;
  let sb: Sandbox;
  beforeAll(async () => {
    sb = sandbox();
    cp = await startControlPlane({ kwok: true });
    const spec = assertValidSpec(
      applyDefaults({
        name: 'apps',
        provider: 'aws',
        type: 'managed',
        region: 'us-east-1',
        nodePools: [
          { name: 'general', count: 3, min: 1, max: 5 },
          { name: 'batch', count: 2 },
        ],
      }),
    );
    const h = await new LocalStateStore(sb.ksctlHome).lock(clusterIdOf(spec), 'test');
    try {
      await h.secrets.put(KUBECONFIG_SECRET, readFileSync(cp.kubeconfig, 'utf8'));
      await h.save({ ...newClusterState(spec), phase: 'ready', kubeconfig: { context: 'apps', server: cp.server } });
    } finally {
      h.release();
    }
    await createPool(cp, 'general', 2, { labels: { 'ksctl.io/pool': 'general' } });
    // A node the cloud labelled but ksctl did not (made before ksctl labelled its pools).
    await createPool(cp, 'batch', 1, { labels: { 'eks.amazonaws.com/nodegroup': 'batch' } });
    await createPool(cp, 'other', 1);
  }, 240_000);
  afterAll(async () => {
    await cp?.stop();
    sb?.cleanup();
  }, 60_000);

  it('counts the Ready nodes of each pool through the API; -o json carries them', async () => {
    const json = await ksctl(['get', 'cluster', 'apps', '-o', 'json'], sb.env);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as { pools: unknown; poolsUnknownReason?: string };
    expect(doc.pools).toEqual([
      { name: 'general', desired: 3, ready: 2, min: 1, max: 5 },
      { name: 'batch', desired: 2, ready: 1 },
    ]);
    expect(doc.poolsUnknownReason).toBeUndefined();
    const table = await ksctl(['get', 'cluster', 'apps'], sb.env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(
      [
        'Node pools:',
        '  NAME      DESIRED   READY   MIN/MAX',
        '  general   3         2       1/5',
        '  batch     2         1       -',
      ].join('\n'),
    );
  });

  it('shows "unknown" when the API cannot be reached, and still exits 0 quickly', async () => {
    await cp!.stop();
    cp = undefined;
    const started = Date.now();
    const r = await ksctl(['get', 'cluster', 'apps', '-o', 'json'], sb.env);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { pools: { ready: unknown }[]; poolsUnknownReason: string };
    expect(doc.pools.map((p) => p.ready)).toEqual(['unknown', 'unknown']);
    expect(doc.poolsUnknownReason).toMatch(/cannot reach the API server|no answer within/);
    // The bound is 3 s; the process start and module loading come on top (a generous margin: shared machine).
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);

  it('gives up on an API server that accepts but never answers, within the bound, and the process ends', async () => {
    const held: Socket[] = [];
    const silent = createServer((sock) => void held.push(sock));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const secret = path.join(sb.ksctlHome, 'clusters/aws/us-east-1/apps/secrets', KUBECONFIG_SECRET);
    writeFileSync(
      secret,
      readFileSync(secret, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`),
    );
    try {
      const started = Date.now();
      const r = await ksctl(['get', 'cluster', 'apps', '-o', 'json'], sb.env);
      const took = Date.now() - started;
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { pools: { ready: unknown }[]; poolsUnknownReason: string };
      expect(doc.pools.map((p) => p.ready)).toEqual(['unknown', 'unknown']);
      expect(doc.poolsUnknownReason).toBe('no answer within 3s');
      expect(held.length).toBeGreaterThan(0); // the request did reach the silent server
      expect(took).toBeGreaterThan(3000);
      expect(took).toBeLessThan(20_000); // not held open by the hung connection
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }
  }, 40_000);
});
