/**
 * FakeAzure checks every request body it receives against the model the SDK packages ship for the
 * operation's body (test/fakes/azure/mapper-check.ts), in every test; these prove the check itself:
 * a body the model rejects is named precisely, answered 400 InvalidRequestContent through the real
 * SDK, and reported, so the test that sent it fails (test/fakes/common/model-guard.setup.ts).
 * (serialization.test.ts checks the step before the wire: that the SDKs' serializers keep every
 * property ksctl sets.)
 */
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { takeModelProblems } from '../../fakes/common/model-problems.js';
import { FakeAzure, FAKE_SUBSCRIPTION } from '../../fakes/azure/fake-azure.js';
import { bodyProblems } from '../../fakes/azure/mapper-check.js';

describe('Azure request bodies against the SDK packages’ models', () => {
  it('the check names an unknown property, a read-only one, a missing required one, a wrong type and an enum value', () => {
    expect(bodyProblems('PUT', 'resourceGroups', { tags: { a: 'b' } })).toEqual(['ResourceGroup.location: required']);
    expect(
      bodyProblems('PUT', 'networkSecurityGroups', {
        location: 'eastus',
        properties: {
          provisioningState: 'Succeeded',
          securityRules: [{ name: 'ssh', properties: { priority: '100', protocols: 'Tcp' } }],
        },
      }),
    ).toEqual([
      'properties.provisioningState: read-only, must not be sent',
      'properties.securityRules[0].properties.priority: expected a number',
      'properties.securityRules[0].properties.protocols: not in the model SecurityRule',
    ]);
    expect(
      bodyProblems('PUT', 'virtualMachines', {
        location: 'eastus',
        properties: { networkProfile: { networkInterfaces: [{ id: 'nic', primary: true }] } },
      }),
    ).toEqual([
      "properties.networkProfile.networkInterfaces[0].primary: not in the model virtualMachine, or read-only (the SDK's own serializer does not write it)",
    ]);
    // Enum values and required properties come from the packages' declarations (client shape paths).
    expect(
      bodyProblems('PUT', 'networkSecurityGroups', {
        location: 'eastus',
        properties: { securityRules: [{ name: 'ssh', properties: { protocol: 'Tcpp' } }] },
      }),
    ).toEqual([
      'NetworkSecurityGroup.securityRules[0].protocol: "Tcpp" is not one of SecurityRuleProtocol (Tcp, Udp, Icmp, Esp, *, Ah)',
    ]);
    expect(bodyProblems('PUT', 'virtualMachines', { location: 'eastus', properties: { priority: 'Cheap' } })).toEqual([
      'VirtualMachine.priority: "Cheap" is not one of VirtualMachinePriorityTypes (Regular, Low, Spot)',
    ]);
    expect(bodyProblems('PUT', 'managedClusters', { properties: { agentPoolProfiles: [{ mode: 'System' }] } })).toEqual(
      ['ManagedCluster.location: required', 'ManagedCluster.agentPoolProfiles[0].name: required'],
    );
    expect(bodyProblems('PUT', 'storageAccounts', { location: 'eastus' })).toEqual([
      'no body model known for PUT storageAccounts: add it to test/fakes/azure/mapper-check.ts',
    ]);
  });

  it('the fake refuses such a body as ARM does and reports it', async () => {
    const fake = new FakeAzure();
    const { ResourceManagementClient } = await import('@azure/arm-resources');
    const client = new ResourceManagementClient(fake.credential, FAKE_SUBSCRIPTION, fake.runtime().clientOptions);
    // The classic SDK's serializer checks `required` itself; a raw body is what reaches ARM unchecked.
    const request = createPipelineRequest({
      url: `https://management.azure.com/subscriptions/${FAKE_SUBSCRIPTION}/resourcegroups/g?api-version=2021-04-01`,
      method: 'PUT',
      body: JSON.stringify({ location: 'eastus', managedBy: 7 }),
    });
    const sent = client.sendRequest(request);
    await expect(sent).resolves.toMatchObject({
      status: 400,
      bodyAsText: expect.stringMatching(/InvalidRequestContent/),
    });
    expect(fake.callsOf('PUT resourceGroups')).toMatchObject([{ status: 400 }]);
    expect(takeModelProblems()).toEqual([
      { cloud: 'azure', op: 'PUT resourceGroups', problems: ['managedBy: expected a string'] },
    ]);
  });
});
