/** Names, labels and request ids obey GCP's rules and are deterministic. */
import { describe, expect, it } from 'vitest';
import {
  clusterLabel,
  firewallName,
  gceName,
  labelsFor,
  labelValue,
  networkName,
  requestId,
  roleTag,
} from '../../../src/cloud/gcp/naming.js';
import { isAlreadyExists, isBusy, isNotFound, isThrottled } from '../../../src/cloud/gcp/errors.js';
import { googleError } from '../../fakes/gcp/errors.js';

const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const long = { name: 'a-very-long-cluster-name-that-goes-on-and-on-and-on-forever', region: 'northamerica-northeast2' };

describe('GCP naming', () => {
  it.each([
    ['network', networkName(long)],
    ['firewall', firewallName(long, 'controlplane', 'controlplane-worker')],
    ['tag', roleTag(long, 'loadbalancer')],
    ['odd input', gceName('9-Weird_Name.')],
  ])('%s names are valid GCE names (%s)', (_k, name) => {
    expect(name).toMatch(NAME);
  });

  it('label keys and values use only lowercase, digits, - and _ (≤ 63)', () => {
    for (const [k, v] of Object.entries(
      labelsFor(long, 'instance/A.B', 'worker', { 'ksctl-io-machine': 'X'.repeat(80) }),
    )) {
      expect(k).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
      expect(v).toMatch(/^[a-z0-9_-]{0,63}$/);
    }
    expect(clusterLabel({ name: 'demo', region: 'us-central1' })).toBe('us-central1_demo');
    expect(labelValue('A/B')).toBe('a-b');
  });

  it('long names stay distinct after shortening', () => {
    expect(firewallName(long, 'worker', 'operator')).not.toBe(firewallName(long, 'worker', 'controlplane-worker'));
  });

  it('request ids are deterministic UUIDs, different per incarnation, resource, request and generation', () => {
    const spec = { name: 'demo', region: 'us-central1' };
    const r = { name: 'x', machineType: 'e2-small' };
    expect(requestId(spec, 'u1', 'instance/x', r)).toBe(
      requestId(spec, 'u1', 'instance/x', { machineType: 'e2-small', name: 'x' }),
    );
    expect(requestId(spec, 'u1', 'instance/x', r)).not.toBe(requestId(spec, 'u1', 'instance/x', r, 1));
    expect(requestId(spec, 'u1', 'instance/x', r)).not.toBe(requestId(spec, 'u2', 'instance/x', r));
    expect(requestId(spec, 'u1', 'instance/x', r)).not.toBe(
      requestId(spec, 'u1', 'instance/x', { ...r, machineType: 'e2-medium' }),
    );
    expect(requestId(spec, 'u1', 'instance/x', r)).not.toBe(
      requestId({ ...spec, region: 'us-east1' }, 'u1', 'instance/x', r),
    );
    expect(requestId(spec, 'u1', 'a', {})).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('recognises the SDK error shapes', () => {
    expect(isNotFound(googleError('NOT_FOUND', 'x'))).toBe(true);
    expect(isAlreadyExists(googleError('ALREADY_EXISTS', 'x'))).toBe(true);
    expect(isThrottled(googleError('RESOURCE_EXHAUSTED', 'x'))).toBe(true);
    expect(isBusy(googleError('FAILED_PRECONDITION', 'x'))).toBe(true);
    expect(isNotFound(Object.assign(new Error('x'), { code: 404 }))).toBe(true);
    expect(isThrottled(googleError('PERMISSION_DENIED', 'x'))).toBe(false);
  });
});
