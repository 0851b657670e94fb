/**
 * The two node pools the ssh e2e clusters (k3s and kubeadm) are created with, and the checks made on
 * them with kubectl through the load balancer: w-0 is the tainted pool `gpu`, w-1 the default pool
 * with a label. Each Node must carry its pool's labels (and `ksctl.io/pool`), its taints and its
 * providerID from the first registration, and the scheduler must keep untolerating pods off `gpu`.
 */
import { expect } from 'vitest';
import { kubectl } from './cli.js';

export const GPU_TAINT = 'example.com/gpu=true:NoSchedule';
export const TEST_POOLS = {
  nodePools: [
    { name: 'default', labels: { 'example.com/tier': 'web' } },
    { name: 'gpu', labels: { 'example.com/accel': 'gpu' }, taints: [GPU_TAINT] },
  ],
  of: { 'w-0': 'gpu' },
};
/** A pod tolerating the gpu pool's taint (for workloads the test wants on every worker). */
export const GPU_TOLERATION = { key: 'example.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' };

interface NodeDoc {
  metadata: { name: string; labels: Record<string, string> };
  spec: { providerID?: string; taints?: { key: string; value?: string; effect: string }[] };
}

/** Every node's pool labels, taints and providerID, as the API server has them. */
export async function expectPoolNodes(env: NodeJS.ProcessEnv, cluster: string): Promise<void> {
  const r = await kubectl(['get', 'nodes', '-o', 'json', '--request-timeout', '20s'], env);
  expect(r.code, r.stderr).toBe(0);
  const nodes = new Map((JSON.parse(r.stdout) as { items: NodeDoc[] }).items.map((n) => [n.metadata.name, n] as const));
  const pick = (n: NodeDoc | undefined) => {
    const l = n?.metadata.labels ?? {};
    return {
      pool: l['ksctl.io/pool'],
      tier: l['example.com/tier'],
      accel: l['example.com/accel'],
      // Kubernetes' own taints (kubeadm's control-plane one) are not the pool's business.
      taints: (n?.spec.taints ?? [])
        .filter((t) => t.key.startsWith('example.com/'))
        .map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
      providerID: n?.spec.providerID,
    };
  };
  expect(pick(nodes.get('w-0'))).toEqual({
    pool: 'gpu',
    tier: undefined,
    accel: 'gpu',
    taints: [GPU_TAINT],
    providerID: `ksctl://${cluster}/w-0`,
  });
  expect(pick(nodes.get('w-1'))).toEqual({
    pool: 'default',
    tier: 'web',
    accel: undefined,
    taints: [],
    providerID: `ksctl://${cluster}/w-1`,
  });
  // Control planes belong to no pool.
  for (const cp of ['cp-0', 'cp-1']) expect(pick(nodes.get(cp)).pool, cp).toBeUndefined();
}

/**
 * A pod that asks for the gpu pool without tolerating its taint is never scheduled: the scheduler
 * reports it Unschedulable for the untolerated taint (and it is bound to no node).
 */
export async function expectTaintKeepsPodOff(
  env: NodeJS.ProcessEnv,
  dir: string,
  write: (f: string, text: string) => void,
): Promise<void> {
  const file = `${dir}/untolerating.json`;
  write(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'untolerating', namespace: 'default' },
      spec: {
        nodeSelector: { 'ksctl.io/pool': 'gpu' },
        terminationGracePeriodSeconds: 0,
        containers: [
          { name: 'c', image: 'ksctl.test/busybox:1.35', imagePullPolicy: 'Never', command: ['sleep', '3600'] },
        ],
      },
    }),
  );
  const apply = await kubectl(['apply', '-f', file], env);
  expect(apply.code, apply.stderr).toBe(0);
  const condition = async () =>
    (
      await kubectl(
        [
          'get',
          'pod',
          'untolerating',
          '-o',
          'jsonpath={.spec.nodeName}|{.status.conditions[?(@.type=="PodScheduled")].reason}|{.status.conditions[?(@.type=="PodScheduled")].message}',
        ],
        env,
      )
    ).stdout;
  const deadline = Date.now() + 60_000;
  let seen = await condition();
  while (!seen.includes('|Unschedulable|') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    seen = await condition();
  }
  const [node, reason, message] = seen.split('|');
  expect(node, seen).toBe('');
  expect(reason, seen).toBe('Unschedulable');
  expect(message, seen).toMatch(/untolerated taint/);
  expect((await kubectl(['delete', 'pod', 'untolerating', '--wait=false'], env)).code).toBe(0);
}
