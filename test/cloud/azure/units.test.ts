import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poolName } from '../../../src/cloud/azure/aks.js';
import { boundedName, clusterKey, nicName, resourceGroupName, vmName } from '../../../src/cloud/azure/naming.js';
import { subnetCidr } from '../../../src/cloud/azure/network.js';
import { isCredentialError, isNotFound } from '../../../src/cloud/azure/errors.js';
import { createAzureSelfManaged } from '../../../src/cloud/azure/index.js';
import { azureSpec } from '../../fakes/azure/world.js';
import { opKind } from '../../fakes/azure/fake-azure.js';

describe('Azure naming and small helpers', () => {
  it('names the resource group per cluster and region, within Azure limits', () => {
    expect(resourceGroupName({ name: 'demo', region: 'eastus' })).toBe('ksctl-demo-eastus');
    expect(clusterKey({ name: 'demo', region: 'eastus' })).toBe('azure/eastus/demo');
    const long = 'x'.repeat(100);
    expect(resourceGroupName({ name: long, region: 'eastus' })).toHaveLength(90);
    expect(vmName(long)).toHaveLength(64);
    expect(nicName('demo-worker-0')).toBe('demo-worker-0-nic');
    expect(boundedName('abc', 10)).toBe('abc');
  });

  it.each([
    ['10.0.0.0/16', '10.0.0.0/20'],
    ['192.168.4.0/24', '192.168.4.0/28'],
  ])('carves the node subnet out of %s', (vnet, subnet) => expect(subnetCidr(vnet)).toBe(subnet));

  it.each([
    ['general', 'general'],
    ['Spot_Pool', 'spotpool'],
    ['1st', 'p1st'],
    ['averyveryverylongname', 'averyveryver'],
  ])('makes %s an AKS pool name', (name, want) => expect(poolName(name)).toBe(want));

  it('reads SDK errors', () => {
    expect(isNotFound({ statusCode: 404 })).toBe(true);
    expect(isNotFound({ code: 'ResourceGroupNotFound' })).toBe(true);
    expect(isNotFound({ statusCode: 409 })).toBe(false);
    expect(isCredentialError({ name: 'CredentialUnavailableError' })).toBe(true);
    expect(isCredentialError({ statusCode: 401 })).toBe(true);
    expect(isCredentialError(new Error('x'))).toBe(false);
  });

  it('plans resources for --dry-run without any call', () => {
    const p = createAzureSelfManaged({ runtime: { env: {} } });
    const plan = p.plannedResources(azureSpec());
    expect(plan.filter((r) => r.kind === 'azure:virtual-machine')).toHaveLength(8);
    expect(plan[0]).toMatchObject({ kind: 'azure:resource-group', name: 'ksctl-demo-eastus' });
  });

  it('the fake names operations by resource kind', () => {
    expect(opKind('/subscriptions/s/resourcegroups/g')).toBe('resourceGroups');
    expect(opKind('/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm')).toBe(
      'virtualMachines',
    );
    expect(opKind('/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks')).toBe(
      'virtualNetworks',
    );
    expect(
      opKind(
        '/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c/listClusterUserCredential',
      ),
    ).toBe('listClusterUserCredential');
  });
});

describe('SDKs load lazily', () => {
  it('no file of the Azure provider imports an Azure SDK at module load (only `import type` or `await import()`)', () => {
    const dir = join(import.meta.dirname, '../../../src/cloud/azure');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      // Whole statements, not lines: a formatter may spread one import over several lines.
      const eager = src.match(/^\s*import\s+(?!type\b)[^(;]*from\s+'@azure\/[^']*'/gm) ?? [];
      expect(eager, f).toEqual([]);
    }
  });
});
