/**
 * The AWS self-managed access change against moto (PyPI's AWS emulator, nobody here wrote it) through
 * the real SDK over HTTP, as a check of FakeAws's security-group semantics: the infrastructure steps
 * make the security groups in moto, then SelfManagedManager.updateAccess brings their address rules to
 * the new list, and moto's DescribeSecurityGroups shows exactly those (rules between groups untouched).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { clusterIdOf } from '../../src/api/types.js';
import { createAwsSelfManaged } from '../../src/cloud/aws/index.js';
import { SelfManagedManager } from '../../src/managers/selfmanaged/manager.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { awsSpec } from '../fakes/aws/world.js';
import { sandbox, seedSelfManaged, type Sandbox } from './day-two-helpers.js';

const REGION = 'us-east-1';
const spec = awsSpec({
  name: 'motoaccess',
  region: REGION,
  network: { ...awsSpec().network, allowCidrs: ['198.51.100.77/32'] },
});
const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAMOTOTESTFAKE0000',
  AWS_SECRET_ACCESS_KEY: 'moto-test-secret-not-a-credential',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

let moto: Moto;
let box: Sandbox;
let ec2: EC2Client;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  moto = await startMoto(REGION);
  // The SDK finds moto through AWS_ENDPOINT_URL (SDK v3 honours it); restored after the file.
  for (const [k, v] of Object.entries({ ...ENV, AWS_ENDPOINT_URL: moto.endpoint })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  ec2 = new EC2Client({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: ENV.AWS_ACCESS_KEY_ID, secretAccessKey: ENV.AWS_SECRET_ACCESS_KEY },
  });
}, 60_000);
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  ec2?.destroy();
  box?.cleanup();
  await moto?.stop();
});

/** Each of the cluster's groups' address rules in moto, as `role port cidr`. */
async function cidrRules(): Promise<string[]> {
  const out = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [{ Name: 'tag:ksctl.io/cluster', Values: [`aws/${REGION}/motoaccess`] }],
    }),
  );
  return (out.SecurityGroups ?? [])
    .flatMap((g) => {
      const role = g.Tags?.find((t) => t.Key === 'ksctl.io/role')?.Value;
      return (g.IpPermissions ?? []).flatMap((p) => (p.IpRanges ?? []).map((r) => `${role} ${p.FromPort} ${r.CidrIp}`));
    })
    .sort();
}
async function groupRules(): Promise<number> {
  const out = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [{ Name: 'tag:ksctl.io/cluster', Values: [`aws/${REGION}/motoaccess`] }],
    }),
  );
  return (out.SecurityGroups ?? []).flatMap((g) => (g.IpPermissions ?? []).flatMap((p) => p.UserIdGroupPairs ?? []))
    .length;
}
const expected = (cidrs: string[]) =>
  cidrs
    .flatMap((c) =>
      ['controlplane', 'etcd', 'loadbalancer', 'worker'].map((r) => `${r} 22 ${c}`).concat(`loadbalancer 6443 ${c}`),
    )
    .sort();

describe('AWS self-managed access against moto', () => {
  it('moto ends with exactly the new SSH and API ranges; the rules between groups stay', async () => {
    box = sandbox({});
    const provider = createAwsSelfManaged({ runtime: { lookupPublicIp: async () => '198.51.100.77' } });
    await seedSelfManaged(box.deps, spec, provider);
    expect(await cidrRules(), moto.log().slice(-2000)).toEqual(expected(['198.51.100.77/32']));
    const inner = await groupRules();
    expect(inner).toBeGreaterThan(0);
    const mgr = new SelfManagedManager(box.deps, { provider });
    await mgr.updateAccess(clusterIdOf(spec), ['203.0.113.0/24', '192.0.2.0/28'], {});
    expect(await cidrRules(), moto.log().slice(-2000)).toEqual(expected(['203.0.113.0/24', '192.0.2.0/28']));
    expect(await groupRules()).toBe(inner);
    // Converged: the same list again changes nothing in moto.
    await mgr.updateAccess(clusterIdOf(spec), ['203.0.113.0/24', '192.0.2.0/28'], {});
    expect(await cidrRules()).toEqual(expected(['203.0.113.0/24', '192.0.2.0/28']));
  }, 120_000);
});
