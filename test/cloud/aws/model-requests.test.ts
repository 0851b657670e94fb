/**
 * FakeAws checks every request it receives against botocore's service models
 * (test/fakes/aws/model-check.ts), in every test; these prove the check itself: a request the model
 * rejects is named precisely, answered with the service's validation error through the real SDK,
 * and reported, so the test that sent it fails (test/fakes/common/model-guard.setup.ts).
 */
import { RunInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { FakeAws } from '../../fakes/aws/fake-aws.js';
import { requestProblems } from '../../fakes/aws/model-check.js';
import { takeModelProblems } from '../../fakes/common/model-problems.js';

describe('AWS requests against botocore service models', () => {
  it('the check names an unknown member, a missing required one, an enum value and a bound the model lacks', () => {
    expect(
      requestProblems('ec2', 'RunInstances', { MinCount: 1, MaxCount: 1, ImageId: 'ami-1', ClientTokn: 'x' }),
    ).toEqual(['ClientTokn: not a member of RunInstancesRequest']);
    expect(requestProblems('ec2', 'RunInstances', { MinCount: 1 })).toEqual(['MaxCount: required']);
    expect(
      requestProblems('eks', 'CreateNodegroup', {
        clusterName: 'c',
        nodegroupName: 'n',
        nodeRole: 'r',
        subnets: ['s'],
        capacityType: 'SPOTTY',
      }),
    ).toEqual(['capacityType: "SPOTTY" is not one of CapacityTypes']);
    expect(requestProblems('iam', 'CreateRole', { RoleName: '', AssumeRolePolicyDocument: '{}' })).toEqual([
      'RoleName: length 0 is below the minimum 1',
      'RoleName: "" does not match roleNameType\'s pattern [\\w+=,.@-]+',
    ]);
    expect(requestProblems('ec2', 'RunInstances', { MinCount: '1', MaxCount: 1 })).toEqual([
      'MinCount: expected an integer',
    ]);
    expect(requestProblems('ec2', 'LaunchMissiles', {})).toEqual([
      "no operation LaunchMissiles in botocore's ec2 model",
    ]);
  });

  it('the fake refuses such a request as EC2 does and reports it', async () => {
    const fake = new FakeAws({ clock: 'virtual' });
    const ec2 = new EC2Client({ region: 'us-east-1', ...fake.runtime().clientConfig });
    fake.attach(ec2, 'ec2');
    const sent = ec2.send(
      new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: 'ami-1', InstanceType: 'c9.nope' as never }),
    );
    await expect(sent).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect(fake.callsOf('ec2:RunInstances')).toMatchObject([{ outcome: 'InvalidParameterValue' }]);
    expect(takeModelProblems()).toEqual([
      { cloud: 'aws', op: 'ec2:RunInstances', problems: ['InstanceType: "c9.nope" is not one of InstanceType'] },
    ]);
  });
});
