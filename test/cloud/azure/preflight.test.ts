import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/api/types.js';
import { createAzureSelfManaged } from '../../../src/cloud/azure/index.js';
import { InputError, PrerequisiteError, type KsctlError } from '../../../src/errors.js';
import { FAKE_SUBSCRIPTION, type FakeAzure } from '../../fakes/azure/fake-azure.js';
import { azureSpec, selfManagedWorld } from '../../fakes/azure/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';

type ErrorClass = abstract new (...args: never[]) => KsctlError;
type Case = [string, Partial<ClusterSpec>, ((f: FakeAzure) => void) | undefined, ErrorClass, RegExp, string[]?];

async function preflightError(overrides: Partial<ClusterSpec>, arrange?: (f: FakeAzure) => void) {
  const w = selfManagedWorld(azureSpec(overrides));
  arrange?.(w.fake);
  const err = await w
    .provider()
    .preflight(stepContext(MemoryCluster.create(w.spec), w.spec))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  return { w, err };
}

/** Bad input: exit 2 before any call at all. */
const inputCases: Case[] = [
  [
    'a region Azure does not have',
    { region: 'mars-1' },
    undefined,
    InputError,
    /"mars-1" is not an Azure region/,
    ['spec.region'],
  ],
  [
    'no subscription anywhere',
    { credentials: {} },
    undefined,
    InputError,
    /no Azure subscription given/,
    ['spec.credentials.subscriptionId'],
  ],
  [
    'a subscription that is not a GUID',
    { credentials: { subscriptionId: 'my-sub' } },
    undefined,
    InputError,
    /not an Azure subscription id/,
    ['spec.credentials.subscriptionId'],
  ],
  [
    'an empty VM size',
    { workers: { count: 1, size: '', spot: false } },
    undefined,
    InputError,
    /spec.workers.size must be set/,
    ['spec.workers.size'],
  ],
  [
    'a VNet range that is not a CIDR',
    { network: { cidr: '10.0.0/16', allowCidrs: [] } },
    undefined,
    InputError,
    /not an IPv4 CIDR/,
    ['spec.network.cidr'],
  ],
  [
    'an allowCidrs entry that is not a CIDR',
    { network: { cidr: '10.0.0.0/16', allowCidrs: ['my-laptop'] } },
    undefined,
    InputError,
    /not a CIDR: my-laptop/,
    ['spec.network.allowCidrs'],
  ],
  [
    'no operator address and no allowCidrs',
    {},
    (f) => (f.operatorIp = undefined),
    InputError,
    /could not find your public IP/,
    ['spec.network.allowCidrs'],
  ],
];

/** Facts only the cloud knows: reads only, never a mutating call. */
const cloudCases: Case[] = [
  [
    'a VM size the region does not offer',
    { workers: { count: 1, size: 'Standard_Z99', spot: false } },
    undefined,
    InputError,
    /Standard_Z99 is not available in eastus/,
    ['spec.workers.size'],
  ],
  [
    'a VM size restricted for the subscription',
    { controlPlane: { count: 3, size: 'Standard_NC6s_v3' } },
    undefined,
    InputError,
    /Standard_NC6s_v3 is not available in eastus for this subscription/,
    ['spec.controlPlane.size'],
  ],
  [
    'a region with no sizes for the subscription',
    { region: 'japaneast' },
    undefined,
    InputError,
    /no VM sizes are offered/,
    ['spec.region'],
  ],
  [
    'a regional vCPU quota too small',
    {},
    (f) => (f.config.quotas['cores'] = 8),
    InputError,
    /needs 12 vCPUs of "cores" in eastus but only 8 of 8 are free/,
  ],
  [
    'a family quota used up elsewhere',
    {},
    (f) => (f.config.usedElsewhere['standardBSFamily'] = 35),
    InputError,
    /needs 12 vCPUs of "standardBSFamily" .* only 5 of 40/,
  ],
  [
    'a spot quota too small',
    { workers: { count: 3, size: 'Standard_D4s_v5', spot: true } },
    (f) => (f.config.quotas['lowPriorityCores'] = 8),
    InputError,
    /12 vCPUs of "lowPriorityCores"/,
    ['spec.workers.size'],
  ],
  [
    'missing credentials',
    {},
    (f) => (f.faults.credentials = 'missing'),
    PrerequisiteError,
    /^no usable Azure credentials$/,
  ],
  [
    'expired credentials',
    {},
    (f) => (f.faults.credentials = 'expired'),
    PrerequisiteError,
    /^no usable Azure credentials$/,
  ],
];

describe('Azure self-managed preflight', () => {
  it.each(inputCases)(
    'rejects %s with exit 2 and no call at all',
    async (_n, overrides, arrange, type, message, fields) => {
      const { w, err } = await preflightError(overrides, arrange);
      expect(err).toBeInstanceOf(type);
      expect((err as KsctlError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(message);
      if (fields) expect((err as InputError).fields).toEqual(fields);
      expect(w.fake.calls).toEqual([]);
    },
  );

  it.each(cloudCases)('rejects %s before any mutating call', async (_n, overrides, arrange, type, message, fields) => {
    const { w, err } = await preflightError(overrides, arrange);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
    if (fields) expect((err as InputError).fields).toEqual(fields);
    expect(w.fake.mutatingCalls()).toEqual([]);
  });

  it('names --subscription and az login in its hints', async () => {
    const { err } = await preflightError({ credentials: {} });
    expect((err as InputError).hint).toMatch(/--subscription .*AZURE_SUBSCRIPTION_ID/);
    const missing = await preflightError({}, (f) => (f.faults.credentials = 'missing'));
    expect((missing.err as PrerequisiteError).hint).toMatch(/az login/);
  });

  it('takes the subscription from AZURE_SUBSCRIPTION_ID when the spec has none', async () => {
    const w = selfManagedWorld(azureSpec({ credentials: {} }));
    const p = createAzureSelfManaged({
      runtime: { ...w.fake.runtime(), env: { AZURE_SUBSCRIPTION_ID: FAKE_SUBSCRIPTION } },
    });
    await p.preflight(stepContext(MemoryCluster.create(w.spec), w.spec));
    expect(w.fake.calls.every((c) => c.path.startsWith(`/subscriptions/${FAKE_SUBSCRIPTION}/`))).toBe(true);
  });

  it('passes a valid spec with reads only: the group, the SKUs and the usages', async () => {
    const w = selfManagedWorld(azureSpec());
    await w.provider().preflight(stepContext(MemoryCluster.create(w.spec), w.spec));
    expect(w.fake.mutatingCalls()).toEqual([]);
    expect(w.fake.calls.map((c) => c.op)).toEqual(['GET resourceGroups', 'GET skus', 'GET usages']);
  });
});
