/**
 * Every body ksctl hands the Azure SDKs survives the SDKs' own serializers. The SDKs take flattened
 * client-side models (`enableRbac`, not the wire's `properties.enableRBAC`) and silently drop a
 * property they do not know, so a misspelt one never reaches ARM and no fake can see it. Here each
 * PUT body of a self-managed and a managed create (captured at ksctl's own SDK boundary, the
 * AzureApi) is serialized with the serializer the SDK uses for that call and read back with its
 * deserializer; every property ksctl set must come back with the value it set.
 * - network (classic SDK): core-client's serializer with @azure/arm-network's mappers;
 * - resource groups (classic): the same with @azure/arm-resources' mappers;
 * - VMs and AKS (modular SDKs): the packages' `*Serializer` / `*Deserializer` functions, loaded
 *   from their files (the packages do not export them).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ArmResource, AzureApi } from '../../../src/cloud/azure/sdk.js';
import type { ClusterSpec } from '../../../src/api/types.js';
import { azureSpec, managedWorld, selfManagedWorld } from '../../fakes/azure/world.js';
import { createWith } from '../../contract/run-steps.js';
import { lostPaths } from '../../helpers/lost-paths.js';
import { pool, WORLDS } from '../../managers/managed-pools-worlds.js';
import { clusterIdOf } from '../../../src/api/types.js';

const captured: { type: string; body: ArmResource }[] = [];

vi.mock('../../../src/cloud/azure/clients.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../../src/cloud/azure/clients.js')>();
  return {
    ...orig,
    azureApiFactory: (...args: Parameters<typeof orig.azureApiFactory>) => {
      const make = orig.azureApiFactory(...args);
      return (signal?: AbortSignal): AzureApi => {
        const api = make(signal);
        const wrapped: Record<string, unknown> = { ...api };
        for (const [type, ops] of Object.entries(api)) {
          if (!ops || typeof ops !== 'object' || typeof (ops as { put?: unknown }).put !== 'function') continue;
          const o = ops as { put: (...a: unknown[]) => Promise<unknown> };
          wrapped[type] = {
            ...o,
            put: (...a: unknown[]) => {
              captured.push({ type, body: structuredClone(a[a.length - 1] as ArmResource) });
              return o.put(...a);
            },
          };
        }
        return wrapped as unknown as AzureApi;
      };
    },
  };
});

const root = path.resolve(import.meta.dirname, '../../..');
const req = createRequire(path.join(root, 'package.json'));
const nodeModule = (p: string) => req(path.join(root, 'node_modules', p));
type Fn = (x: unknown) => unknown;

/** Serialize, then deserialize, with the SDK's own code for each resource type ksctl PUTs. */
function roundTrip(type: string, body: ArmResource): unknown {
  const { createSerializer } = req('@azure/core-client') as typeof import('@azure/core-client');
  const classic = (mappersFile: string, mapperName: string) => {
    const mappers = nodeModule(mappersFile) as Record<string, import('@azure/core-client').CompositeMapper>;
    const s = createSerializer(mappers, false);
    const wire = s.serialize(mappers[mapperName]!, body, 'body');
    return s.deserialize(mappers[mapperName]!, JSON.parse(JSON.stringify(wire)), 'body');
  };
  const modular = (modelsFile: string, model: string) => {
    const m = nodeModule(modelsFile) as Record<string, Fn>;
    const wire = m[`${model}Serializer`]!(body);
    return m[`${model}Deserializer`]!(JSON.parse(JSON.stringify(wire)));
  };
  const network = '@azure/arm-network/dist/commonjs/models/mappers.js';
  switch (type) {
    case 'resourceGroups':
      return classic('@azure/arm-resources/dist/commonjs/models/mappers.js', 'ResourceGroup');
    case 'virtualNetworks':
      return classic(network, 'VirtualNetwork');
    case 'networkSecurityGroups':
      return classic(network, 'NetworkSecurityGroup');
    case 'applicationSecurityGroups':
      return classic(network, 'ApplicationSecurityGroup');
    case 'publicIPAddresses':
      return classic(network, 'PublicIPAddress');
    case 'networkInterfaces':
      return classic(network, 'NetworkInterface');
    case 'virtualMachines':
      return modular('@azure/arm-compute/dist/commonjs/models/compute/models.js', 'virtualMachine');
    case 'managedClusters':
      return modular('@azure/arm-containerservice/dist/commonjs/models/models.js', 'managedCluster');
    case 'agentPools':
      return modular('@azure/arm-containerservice/dist/commonjs/models/models.js', 'agentPool');
    default:
      throw new Error(`no SDK serializer known for ${type}: add it to this test`);
  }
}

async function bodiesOf(run: () => Promise<void>): Promise<{ type: string; body: ArmResource }[]> {
  captured.length = 0;
  await run();
  return [...captured];
}

const selfManaged = azureSpec({ name: 'ser', workers: { count: 2, size: 'Standard_B2ms', spot: true } });
const managed = azureSpec({
  name: 'seraks',
  type: 'managed',
  nodePools: [
    { name: 'general', count: 2, size: 'Standard_D2s_v5', spot: false, labels: {}, taints: [] },
    {
      name: 'spot',
      count: 2,
      size: 'Standard_D4s_v5',
      spot: true,
      labels: { 'example.com/tier': 'batch' },
      taints: [{ key: 'spot', value: 'true', effect: 'NoSchedule' }],
    },
  ],
});

describe('Azure request bodies survive the SDK serializers', () => {
  it('the check itself catches a property the SDK drops (enableRBAC is enableRbac in the SDK model)', () => {
    // dnsPrefix too: the SDK decides whether to send `properties` at all by looking for
    // `enableRBAC` (sic) among others, so enableRbac alone would be dropped as well.
    const body = (rbac: Record<string, boolean>) => ({ location: 'eastus', dnsPrefix: 'x', ...rbac });
    expect(lostPaths(body({ enableRBAC: true }), roundTrip('managedClusters', body({ enableRBAC: true })))).toEqual([
      'enableRBAC',
    ]);
    expect(lostPaths(body({ enableRbac: true }), roundTrip('managedClusters', body({ enableRbac: true })))).toEqual([]);
  });

  it.each([
    ['self-managed', selfManaged],
    ['managed (AKS)', managed],
  ] as [string, ClusterSpec][])(
    '%s: every property of every PUT comes back from serialize → deserialize',
    async (_n, spec) => {
      const w = spec.type === 'managed' ? managedWorld(spec) : selfManagedWorld(spec);
      const bodies = await bodiesOf(() => createWith(w.provider(), spec));
      const types = new Set(bodies.map((b) => b.type));
      expect([...types].sort()).toEqual(
        spec.type === 'managed'
          ? ['managedClusters', 'resourceGroups']
          : [
              'applicationSecurityGroups',
              'networkInterfaces',
              'networkSecurityGroups',
              'publicIPAddresses',
              'resourceGroups',
              'virtualMachines',
              'virtualNetworks',
            ],
      );
      const lost = bodies.flatMap(({ type, body }) =>
        lostPaths(body, roundTrip(type, body)).map((p) => `${type}: ${p}`),
      );
      expect([...new Set(lost)]).toEqual([]);
    },
  );
});

describe('AKS agent pool bodies (day 2) survive the SDK serializer', () => {
  it('create (zones, spot, labels, taints), relabel and scale: every property ksctl sets comes back', async () => {
    const w = WORLDS.azure();
    try {
      await w.manager.create(w.spec, { switchContext: false });
      const id = clusterIdOf(w.spec);
      const opts = { drain: { timeoutMs: 1000, force: false, deleteEmptyDirData: false } };
      const general = w.spec.nodePools[0]!;
      const spot = pool(
        {
          name: 'spot',
          count: 2,
          spot: true,
          zones: ['1', '2'],
          labels: { tier: 'batch' },
          taints: [{ key: 'spot', value: 'true', effect: 'NoSchedule' }],
        },
        w.size,
      );
      const bodies = await bodiesOf(async () => {
        await w.manager.reconcilePools(id, { pools: [general, spot] }, opts);
        await w.manager.reconcilePools(id, { pools: [general, { ...spot, count: 3, labels: { tier: 'x' } }] }, opts);
      });
      const pools = bodies.filter((b) => b.type === 'agentPools');
      expect(pools).toHaveLength(3);
      // What ksctl sets: the whole body of a create; a relabel or scale sends the pool it read back with
      // its change, whose read-only fields the serializer drops by design.
      const set = new Set(Object.keys(pools[0]!.body));
      const ours = (b: ArmResource) => Object.fromEntries(Object.entries(b).filter(([k]) => set.has(k)));
      expect(set).toEqual(new Set([...set].filter((k) => k !== 'provisioningState')));
      expect(pools[0]!.body).toMatchObject({
        typePropertiesType: 'VirtualMachineScaleSets',
        availabilityZones: ['1', '2'],
        scaleSetPriority: 'Spot',
      });
      const lost = pools.flatMap(({ body }) => lostPaths(ours(body), roundTrip('agentPools', ours(body))));
      expect(lost).toEqual([]);
    } finally {
      w.close();
    }
  });
});
