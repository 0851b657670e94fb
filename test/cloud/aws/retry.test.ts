import { afterEach, describe, expect, it } from 'vitest';
import { createAwsSelfManaged } from '../../../src/cloud/aws/index.js';
import { AwsApiError } from '../../../src/cloud/aws/errors.js';
import { expectConverged } from '../../contract/provider-contract.js';
import { awsSpec, selfManagedWorld } from '../../fakes/aws/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import { createSelfManaged } from './helpers.js';

describe('AWS throttling', () => {
  it('creates and destroys an 8-VM cluster with 20% of calls throttled, retried by the SDK itself', async () => {
    const w = selfManagedWorld(awsSpec());
    w.fake.throttle(0.2, 42);
    const { cluster } = await createSelfManaged(w.provider(), w.spec);
    expectConverged(w, cluster);
    await w.provider().destroy(stepContext(cluster, w.spec));
    expect(w.fake.inventory()).toEqual([]);
    const throttled = w.fake.calls.filter((c) => c.outcome === 'throttled');
    expect(throttled.length).toBeGreaterThan(10);
    // Every throttled call was followed by another attempt of the same operation.
    for (const t of throttled) expect(w.fake.calls.some((c) => c.n > t.n && c.op === t.op)).toBe(true);
    expect(
      w.fake.calls
        .filter((c) => !['ok', 'throttled'].includes(c.outcome))
        .map((c) => `${c.op}:${c.outcome}`)
        .every((x) => /NotFound|DependencyViolation/.test(x)),
    ).toBe(true);
  });

  it('with the production client settings (adaptive mode, real backoff) a throttled call is retried', async () => {
    const w = selfManagedWorld(awsSpec());
    const { retryStrategy: _r, maxAttempts: _m, ...clientConfig } = w.fake.runtime().clientConfig!;
    const p = createAwsSelfManaged({ runtime: { ...w.fake.runtime(), clientConfig } });
    w.fake.failNth('ec2:DescribeRegions', 1, 'RequestLimitExceeded');
    await p.preflight(stepContext(MemoryCluster.create(w.spec), w.spec));
    expect(w.fake.callsOf('ec2:DescribeRegions').map((c) => c.outcome)).toEqual(['RequestLimitExceeded', 'ok']);
  });

  describe('the aws-sdk-client-mock way (send replaced)', () => {
    let restore: (() => void) | undefined;
    afterEach(() => restore?.());

    it('skips the SDK retry middleware, which is why FakeAws attaches inside the stack instead', async () => {
      const w = selfManagedWorld(awsSpec());
      restore = await w.fake.installClientMock();
      const { configureClient: _c, ...runtime } = w.fake.runtime();
      const p = createAwsSelfManaged({ runtime });
      w.fake.failNth('ec2:DescribeRegions', 1, 'RequestLimitExceeded');
      const err = await p.preflight(stepContext(MemoryCluster.create(w.spec), w.spec)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AwsApiError);
      expect((err as AwsApiError).awsCode).toBe('RequestLimitExceeded');
      expect(w.fake.callsOf('ec2:DescribeRegions')).toHaveLength(1);
    });
  });
});
