/**
 * The pure decisions of ksctl's Kubernetes client, fed objects shaped as the API returns them: the
 * shrink order, which pods a drain evicts / leaves / refuses, the label-and-taint patch, the onboarding
 * verdict, the budgets named in a 429, and errors that never carry a secret.
 */
import { describe, expect, it } from 'vitest';
import { apiError, KubernetesApiError } from '../../src/managers/kubernetes/errors.js';
import { blockingBudgets } from '../../src/managers/kubernetes/evict.js';
import { planPods, type RawPod } from '../../src/managers/kubernetes/drain-pods.js';
import { nodeMetadataPatch, toNodeInfo } from '../../src/managers/kubernetes/node-view.js';
import { onboardingGaps } from '../../src/managers/kubernetes/onboarding.js';
import { pickForShrink, shrinkOrder } from '../../src/managers/kubernetes/shrink-order.js';
import type { NodeInfo } from '../../src/managers/kubernetes/types.js';

const node = (name: string, over: Partial<NodeInfo> = {}): NodeInfo => ({
  name,
  ready: true,
  readySince: '2026-12-01T00:00:00Z',
  labels: {},
  taints: [],
  unschedulable: false,
  createdAt: '2026-12-01T00:00:00Z',
  ...over,
});

describe('shrink order: not-Ready first (longest first), then the newest', () => {
  it('orders a mixed pool', () => {
    const nodes = [
      node('old', { createdAt: '2026-11-01T00:00:00Z' }),
      node('new', { createdAt: '2026-12-05T00:00:00Z' }),
      node('mid', { createdAt: '2026-12-01T00:00:00Z' }),
      node('sick-recent', { ready: false, readySince: '2026-12-06T10:00:00Z', createdAt: '2026-10-01T00:00:00Z' }),
      node('sick-long', { ready: false, readySince: '2026-12-06T08:00:00Z', createdAt: '2026-12-06T00:00:00Z' }),
    ];
    expect(shrinkOrder(nodes).map((n) => n.name)).toEqual(['sick-long', 'sick-recent', 'new', 'mid', 'old']);
    expect(pickForShrink(nodes, 3).map((n) => n.name)).toEqual(['sick-long', 'sick-recent', 'new']);
    expect(pickForShrink(nodes, 0)).toEqual([]);
    expect(pickForShrink(nodes, -1)).toEqual([]);
  });

  it('is stable whatever order the API listed the nodes in (ties by name, last first), and does not mutate', () => {
    const nodes = ['w-1', 'w-3', 'w-2'].map((n) => node(n));
    const copy = structuredClone(nodes);
    expect(shrinkOrder(nodes).map((n) => n.name)).toEqual(['w-3', 'w-2', 'w-1']);
    expect(shrinkOrder([...nodes].reverse()).map((n) => n.name)).toEqual(['w-3', 'w-2', 'w-1']);
    expect(nodes).toEqual(copy);
  });
});

const pod = (
  name: string,
  over: { owner?: string; mirror?: boolean; emptyDir?: boolean; phase?: string } = {},
): RawPod => ({
  metadata: {
    name,
    namespace: 'ns',
    uid: `uid-${name}`,
    ...(over.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'abc' } } : {}),
    ...(over.owner
      ? { ownerReferences: [{ kind: over.owner, name: `${over.owner.toLowerCase()}-x`, controller: true }] }
      : {}),
  },
  spec: { ...(over.emptyDir ? { volumes: [{ emptyDir: {} }] } : { volumes: [{}] }) },
  status: { phase: over.phase ?? 'Running' },
});

describe('which pods a drain evicts', () => {
  const pods = [
    pod('web', { owner: 'ReplicaSet' }),
    pod('ds', { owner: 'DaemonSet' }),
    pod('static', { mirror: true }),
    pod('cache', { owner: 'ReplicaSet', emptyDir: true }),
    pod('bare'),
    pod('done', { phase: 'Succeeded', emptyDir: true }),
    pod('db', { owner: 'StatefulSet' }),
  ];

  it.each([
    [{}, ['web', 'done', 'db'], ['cache:emptyDir', 'bare:unmanaged']],
    [{ deleteEmptyDirData: true }, ['web', 'cache', 'done', 'db'], ['bare:unmanaged']],
    [{ force: true }, ['web', 'bare', 'done', 'db'], ['cache:emptyDir']],
    [{ force: true, deleteEmptyDirData: true }, ['web', 'cache', 'bare', 'done', 'db'], []],
  ])('with %j', (opts, evict, refused) => {
    const plan = planPods(pods, opts);
    expect(plan.evict.map((p) => p.name)).toEqual(evict);
    expect(plan.refused.map((r) => `${r.pod.name}:${r.why}`)).toEqual(refused);
    expect(plan.skipped).toEqual(['ns/ds (DaemonSet daemonset-x)', 'ns/static (mirror pod)']);
    expect(plan.terminating).toEqual([]);
  });

  it('waits for pods already being deleted (an earlier attempt evicted them) instead of evicting them again', () => {
    const going: RawPod = { ...pod('old', { owner: 'ReplicaSet', emptyDir: true }) };
    going.metadata!.deletionTimestamp = '2026-12-07T13:00:00Z';
    const plan = planPods([pod('web', { owner: 'ReplicaSet' }), going], {});
    expect(plan.evict.map((p) => p.name)).toEqual(['web']);
    expect(plan.terminating.map((p) => p.ref)).toEqual(['ns/old']);
    expect(plan.refused).toEqual([]);
  });
});

describe("a pool's labels and taints", () => {
  const n = node('a', {
    labels: { 'kubernetes.io/hostname': 'a', tier: 'a', keep: 'x' },
    taints: [
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
      { key: 'gpu', value: 'true', effect: 'NoSchedule' },
    ],
  });

  it('patches nothing when the node already has them', () => {
    expect(
      nodeMetadataPatch(n, { labels: { tier: 'a' }, taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] }),
    ).toBeUndefined();
  });

  it("adds, changes and removes only the pool's own, keeping other owners' taints", () => {
    const patch = nodeMetadataPatch(
      n,
      { labels: { tier: 'b', zone: 'z1' }, taints: [{ key: 'gpu', value: 'yes', effect: 'NoExecute' }] },
      { labels: { tier: 'a', gone: 'x' }, taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] },
    );
    expect(patch).toEqual({
      metadata: { labels: { tier: 'b', zone: 'z1' } },
      spec: {
        taints: [
          { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
          { key: 'gpu', value: 'yes', effect: 'NoExecute' },
        ],
      },
    });
    const drop = nodeMetadataPatch(
      n,
      { labels: {}, taints: [] },
      { labels: { tier: 'a' }, taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] },
    );
    expect(drop).toEqual({
      metadata: { labels: { tier: null } },
      spec: { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
    });
  });
});

describe('onboarding verdict', () => {
  it.each([
    [undefined, {}, ['it has not registered with the API server']],
    [node('a', { ready: false }), {}, ['not Ready', 'spec.providerID is not set']],
    [
      node('a', { providerID: 'gce://p/z/a' }),
      { providerID: 'gce://p/z/b' },
      ['spec.providerID is gce://p/z/a, not gce://p/z/b'],
    ],
    [
      node('a', { providerID: 'x', labels: { pool: 'b' } }),
      { labels: { pool: 'a', role: 'w' } },
      ['label pool is "b", not "a"', 'label role=w missing'],
    ],
    [
      node('a', { providerID: 'x', taints: [{ key: 't', value: 'v', effect: 'NoExecute' }] }),
      { taints: [{ key: 't', value: 'v', effect: 'NoSchedule' as const }] },
      ['taint t=v:NoSchedule missing'],
    ],
    [node('a', { providerID: 'x', labels: { pool: 'a' } }), { labels: { pool: 'a' } }, []],
  ])('%#', (n, want, gaps) => {
    expect(onboardingGaps(n, want)).toEqual(gaps);
  });

  it('reads a Node as the API returns it', () => {
    const info = toNodeInfo({
      metadata: { name: 'n', creationTimestamp: new Date('2026-12-01T00:00:00Z'), labels: { a: 'b' } },
      spec: { providerID: 'aws:///z/i-1', taints: [{ key: 'k', effect: 'NoSchedule' }], unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: new Date('2026-12-02T00:00:00Z') }],
        nodeInfo: { kubeletVersion: 'v1.37.2' },
      },
    });
    expect(info).toEqual({
      name: 'n',
      ready: false,
      readySince: '2026-12-02T00:00:00.000Z',
      labels: { a: 'b' },
      taints: [{ key: 'k', effect: 'NoSchedule' }],
      providerID: 'aws:///z/i-1',
      kubeletVersion: 'v1.37.2',
      unschedulable: true,
      createdAt: '2026-12-01T00:00:00.000Z',
    });
  });
});

describe('errors from the API', () => {
  it('names the budget a 429 gives as its DisruptionBudget cause', () => {
    const e = apiError(
      {
        code: 429,
        body: JSON.stringify({
          kind: 'Status',
          reason: 'TooManyRequests',
          message: "Cannot evict pod as it would violate the pod's disruption budget.",
          details: {
            causes: [
              {
                type: 'DisruptionBudget',
                message: 'The disruption budget web needs 3 healthy pods and has 3 currently',
              },
            ],
          },
        }),
      },
      'evict pod ns/web-1',
      'https://lb:6443',
    );
    expect(e.status).toBe(429);
    expect(blockingBudgets(e)).toEqual({
      budgets: ['web'],
      reasons: ['The disruption budget web needs 3 healthy pods and has 3 currently'],
    });
    // A throttle (API priority and fairness) names no budget.
    const t = apiError(
      { code: 429, body: '{"message":"Too many requests, please try again later."}' },
      'evict pod ns/x',
      'https://lb:6443',
    );
    expect(blockingBudgets(t)).toEqual({ budgets: [], reasons: ['Too many requests, please try again later.'] });
  });

  it("never carries client-node's message (headers, body) or a kubeconfig's key or token", () => {
    const key =
      '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBsecretsecretsecretsecretsecretsecretAoGCCqGSM49\n-----END EC PRIVATE KEY-----';
    const thrown = Object.assign(
      new Error(
        `HTTP-Code: 403\nMessage: Unknown API Status Code!\nBody: {}\nHeaders: {"authorization":"Bearer abcdefghijklmnop"} ${key}`,
      ),
      {
        code: 403,
        body: '{"kind":"Status","message":"nodes is forbidden: User \\"x\\" cannot list resource \\"nodes\\"","reason":"Forbidden"}',
      },
    );
    const e = apiError(thrown, 'list nodes', 'https://lb:6443');
    expect(e).toBeInstanceOf(KubernetesApiError);
    expect(e.message).toBe(
      'list nodes: nodes is forbidden: User "x" cannot list resource "nodes" (HTTP 403 Forbidden)',
    );
    expect(e.hint).toContain('cluster-admin');

    const plugin = apiError(
      new Error(`exec plugin failed: token=abcdefghijklmnopqrstuvwxyz\n${key}`),
      'list nodes',
      'https://lb:6443',
    );
    expect(plugin.message).toBe('list nodes: exec plugin failed: token=[REDACTED]');

    const tls = apiError(
      Object.assign(
        new Error('request to https://lb:6443/api failed, reason: self-signed certificate in certificate chain'),
        { code: 'SELF_SIGNED_CERT_IN_CHAIN' },
      ),
      'list nodes',
      'https://lb:6443',
    );
    expect(tls.message).toBe(
      "list nodes: the API server at https://lb:6443 presented a certificate that the kubeconfig's certificate authority does not verify (SELF_SIGNED_CERT_IN_CHAIN)",
    );
    const down = apiError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'list nodes', 'https://lb:6443');
    expect(down.message).toBe('list nodes: cannot reach the API server at https://lb:6443 (ECONNREFUSED)');
  });
});
