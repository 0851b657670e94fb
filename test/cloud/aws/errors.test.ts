import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { ResourceNotFoundException } from '@aws-sdk/client-eks';
import { NoSuchEntityException } from '@aws-sdk/client-iam';
import { CredentialsProviderError } from '@smithy/core/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsApiError, isDependencyViolation, isNotFound, mapAwsError } from '../../../src/cloud/aws/errors.js';
import { createAwsSelfManaged } from '../../../src/cloud/aws/index.js';
import { InterruptedError, PrerequisiteError } from '../../../src/errors.js';
import { SimulatedCrash } from '../../fakes/aws/fake-aws.js';
import { awsSpec, selfManagedWorld } from '../../fakes/aws/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';

const ec2 = (name: string) =>
  new EC2ServiceException({ name, $fault: 'client', $metadata: {}, message: `${name} happened` });

describe('AWS error mapping', () => {
  it.each([
    [ec2('InvalidVpcID.NotFound'), true],
    [ec2('InvalidInstanceID.NotFound'), true],
    [new ResourceNotFoundException({ $metadata: {}, message: 'x' }), true],
    [new NoSuchEntityException({ $metadata: {}, message: 'x' }), true],
    [ec2('DependencyViolation'), false],
    [new SimulatedCrash('ec2:RunInstances'), false],
  ])('isNotFound(%s) = %s', (e, expected) => {
    expect(isNotFound(e)).toBe(expected);
    expect(isNotFound(mapAwsError(e, 'ec2:X', undefined))).toBe(expected);
  });

  it('keeps AWS codes on AwsApiError and passes non-AWS errors through untouched', () => {
    const mapped = mapAwsError(ec2('DependencyViolation'), 'ec2:DeleteVpc', undefined);
    expect(mapped).toBeInstanceOf(AwsApiError);
    expect((mapped as AwsApiError).message).toBe('ec2:DeleteVpc: DependencyViolation: DependencyViolation happened');
    expect(isDependencyViolation(mapped)).toBe(true);
    const crash = Object.assign(new SimulatedCrash('x'), { $metadata: { attempts: 1 } }); // the retry middleware adds $metadata
    expect(mapAwsError(crash, 'ec2:X', undefined)).toBe(crash);
    expect(mapAwsError(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'ec2:X', undefined)).toBeInstanceOf(
      InterruptedError,
    );
  });

  it.each([
    [
      'Could not load credentials from any providers',
      undefined,
      "AWS credentials not found: set AWS_PROFILE or run 'aws sso login'",
    ],
    [
      'Could not load credentials from any providers',
      'dev',
      'AWS credentials not found for profile "dev": check ~/.aws/config or run \'aws sso login --profile dev\'',
    ],
    [
      'The SSO session associated with this profile has expired or is otherwise invalid.',
      'dev',
      "AWS credentials have expired: run 'aws sso login --profile dev' or refresh them",
    ],
  ])('turns "%s" (profile %s) into one line', (message, profile, line) => {
    const e = mapAwsError(
      new CredentialsProviderError(message, { tryNextLink: false }),
      'sts:GetCallerIdentity',
      profile,
    );
    expect(e).toBeInstanceOf(PrerequisiteError);
    expect((e as Error).message).toBe(line);
  });
});

describe('AWS credentials from the real default provider chain', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('reports none found as one clear line, with no call reaching AWS', async () => {
    const w = selfManagedWorld(awsSpec());
    const { clientConfig: _c, ...runtime } = w.fake.runtime(); // no fake credentials: fromNodeProviderChain runs
    const p = createAwsSelfManaged({ runtime });
    const err = await p.preflight(stepContext(MemoryCluster.create(w.spec), w.spec)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect((err as Error).message).toBe("AWS credentials not found: set AWS_PROFILE or run 'aws sso login'");
    expect(w.fake.calls).toEqual([]);
  });
});

describe('lazy SDK loading', () => {
  const dir = join(import.meta.dirname, '../../../src/cloud/aws');
  const files = (d: string): string[] =>
    readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));

  it.each(
    files(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [f.slice(dir.length + 1), f]),
  )('%s imports the SDK and ssh2 only as types or with await import()', (_n, file) => {
    const text = readFileSync(file, 'utf8');
    // Whole statements, not lines: a formatter may spread one import over several lines.
    const eager = text.match(/^import\s+(?!type\b)[^;]*from\s+'(@aws-sdk\/|@smithy\/|ssh2|aws-sdk)[^']*'/gm) ?? [];
    expect(eager).toEqual([]);
  });
});
