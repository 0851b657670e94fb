/**
 * FakeGcp checks every request it receives against the protos shipped in @google-cloud/compute and
 * @google-cloud/container (test/fakes/gcp/proto-check.ts), in every test; these prove the check
 * itself: a request the proto rejects is named precisely, answered INVALID_ARGUMENT through the real
 * generated client and gax, and reported, so the test that sent it fails
 * (test/fakes/common/model-guard.setup.ts).
 */
import { describe, expect, it } from 'vitest';
import { takeModelProblems } from '../../fakes/common/model-problems.js';
import { requestProblems } from '../../fakes/gcp/proto-check.js';
import { gcpSpec, selfManagedWorld } from '../../fakes/gcp/world.js';
import { createGcpClients } from '../../../src/cloud/gcp/clients.js';
import { resolveRuntime } from '../../../src/cloud/gcp/runtime.js';

describe('GCP requests against the published protos', () => {
  it('the check names an unknown field, an unknown enum value, a missing required field a deprecated one and a Compute enum string', () => {
    expect(requestProblems('clusterManager:setNodePoolSize', { name: 'x', nodeCount: 2, nodeCountPerZone: 2 })).toEqual(
      ['nodeCountPerZone is not in the proto (or has a value it does not allow)'],
    );
    expect(
      requestProblems('clusterManager:createCluster', {
        parent: 'p',
        cluster: { name: 'c', releaseChannel: { channel: 'FAST_LANE' } },
      }),
    ).toEqual(['cluster.releaseChannel.channel is not in the proto (or has a value it does not allow)']);
    expect(requestProblems('firewalls:insert', { project: 'p', firewallResource: { name: 'f' } })).toEqual([]);
    expect(requestProblems('firewalls:insert', { firewallResource: { name: 'f' } })).toEqual(['project is required']);
    expect(
      requestProblems('clusterManager:createCluster', {
        parent: 'p',
        cluster: { name: 'c', masterAuthorizedNetworksConfig: { enabled: true } },
      }),
    ).toEqual(['cluster.masterAuthorizedNetworksConfig is deprecated']);
    expect(
      requestProblems('firewalls:insert', { project: 'p', firewallResource: { name: 'f', direction: 'SIDEWAYS' } }),
    ).toEqual(['firewallResource.direction: "SIDEWAYS" is not one of Firewall.Direction']);
    expect(requestProblems('instances:launch', {})).toEqual(['no rpc Launch in google.cloud.compute.v1.Instances']);
  });

  it('the fake refuses such a request as Compute does and reports it', async () => {
    const w = selfManagedWorld(gcpSpec());
    const gce = createGcpClients('ksctl-fake-project', resolveRuntime(w.fake.runtime())).gce;
    const sent = gce.insertFirewall({ name: 'f', direction: 'SIDEWAYS' }, 'a-request-id');
    await expect(sent).rejects.toMatchObject({ code: 3, message: expect.stringMatching(/firewallResource.direction/) });
    expect(w.fake.callsOf('firewalls:insert')).toMatchObject([{ outcome: 'INVALID_ARGUMENT' }]);
    expect(takeModelProblems()).toEqual([
      {
        cloud: 'gcp',
        op: 'firewalls:insert',
        problems: ['firewallResource.direction: "SIDEWAYS" is not one of Firewall.Direction'],
      },
    ]);
  });
});
