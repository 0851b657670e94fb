/** GCP preflight: every user-fixable problem is an InputError naming the field, before any mutating call. */
import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/api/types.js';
import { InputError } from '../../../src/errors.js';
import { gcpSpec, managedWorld, selfManagedWorld } from '../../fakes/gcp/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import type { FakeGcp } from '../../fakes/gcp/fake-gcp.js';

async function preflightError(
  spec: ClusterSpec,
  arrange: (fake: FakeGcp) => void = () => {},
  managed = false,
): Promise<{ err: InputError; fake: FakeGcp }> {
  const w = managed ? managedWorld(spec) : selfManagedWorld(spec);
  arrange(w.fake);
  const p = w.provider();
  const err = await p.preflight(stepContext(MemoryCluster.create(spec), spec)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'preflight should fail').toBeInstanceOf(InputError);
  expect(w.fake.mutatingCalls()).toEqual([]);
  return { err: err as InputError, fake: w.fake };
}

describe('GCP preflight', () => {
  it('passes for a valid spec, making only read calls', async () => {
    const w = selfManagedWorld(gcpSpec());
    await w.provider().preflight(stepContext(MemoryCluster.create(w.spec), w.spec));
    expect(w.fake.calls.length).toBeGreaterThan(0);
    expect(w.fake.mutatingCalls()).toEqual([]);
  });

  it.each<[string, Partial<ClusterSpec>, string]>([
    ['unknown region', { region: 'mars-north1' }, 'spec.region'],
    ['bad VPC CIDR', { network: { cidr: '10.0.0/16', allowCidrs: [] } }, 'spec.network.cidr'],
    ['bad allow CIDR', { network: { cidr: '10.0.0.0/16', allowCidrs: ['me'] } }, 'spec.network.allowCidrs'],
    ['empty size', { controlPlane: { count: 3, size: '' } }, 'spec.controlPlane.size'],
    ['bad project id', { credentials: { project: 'X' } }, 'spec.credentials.project'],
  ])('bad spec (%s) → InputError with zero calls', async (_name, patch, field) => {
    const { err, fake } = await preflightError(gcpSpec(patch));
    expect(err.fields).toContain(field);
    expect(fake.calls).toEqual([]);
  });

  it('no project anywhere → InputError naming --project', async () => {
    const { err } = await preflightError(gcpSpec({ credentials: {} }), (f) => (f.adcProject = undefined));
    expect(err.fields).toEqual(['spec.credentials.project']);
    expect(err.hint).toMatch(/--project/);
  });

  it('takes the project from ADC when neither flag nor environment names one', async () => {
    const spec = gcpSpec({ credentials: {} });
    const w = selfManagedWorld(spec);
    w.fake.adcProject = 'adc-project-1';
    await w.provider().preflight(stepContext(MemoryCluster.create(spec), spec));
    expect(w.fake.callsOf('regions:get')[0]).toBeDefined();
  });

  it('unusable credentials → InputError with a gcloud hint', async () => {
    const { err } = await preflightError(gcpSpec({ credentials: {} }), (f) => (f.faults.credentials = 'missing'));
    expect(err.hint).toMatch(/gcloud auth application-default login/);
  });

  it('a machine type offered in no zone → InputError naming its field', async () => {
    const { err } = await preflightError(gcpSpec({ workers: { count: 1, size: 'c9-huge', spot: false } }));
    expect(err.fields).toEqual(['spec.workers.size']);
  });

  it('machine types offered in disjoint zones only → InputError', async () => {
    const { err } = await preflightError(gcpSpec(), (f) => {
      f.config.notOffered = {
        'us-central1-a': ['e2-micro'],
        'us-central1-b': ['e2-micro'],
        'us-central1-c': ['e2-small'],
        'us-central1-f': ['e2-small'],
      };
    });
    expect(err.message).toMatch(/no zone/);
  });

  it('regional CPU quota too small → InputError', async () => {
    const { err } = await preflightError(
      gcpSpec({ region: 'europe-west1', workers: { count: 3, size: 'n2-standard-8', spot: true } }),
    );
    expect(err.message).toMatch(/vCPUs/);
  });

  it('no public IP and no --allow-cidr → InputError naming allowCidrs', async () => {
    const { err } = await preflightError(gcpSpec(), (f) => (f.operatorIp = undefined));
    expect(err.fields).toEqual(['spec.network.allowCidrs']);
  });

  it('GKE: a version GKE does not offer → InputError listing the offered ones', async () => {
    const { err } = await preflightError(gcpSpec({ type: 'managed', kubernetesVersion: '1.27' }), () => {}, true);
    expect(err.fields).toEqual(['spec.kubernetesVersion']);
    expect(err.hint).toBe('available: 1.37, 1.36, 1.35, 1.34');
  });

  it('GKE: invalid cluster name → InputError with zero calls', async () => {
    const { fake } = await preflightError(gcpSpec({ type: 'managed', name: 'Bad_Name' }), () => {}, true);
    expect(fake.calls).toEqual([]);
  });
});
