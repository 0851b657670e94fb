/** allowCidrs changed on day 2: checked with create's rules, the field named, the empty list kept. */
import { describe, expect, it } from 'vitest';
import { describeAllowCidrs, withAllowCidrs } from '../../src/api/access-request.js';
import { applyDefaults } from '../../src/api/defaults.js';
import { InputError } from '../../src/errors.js';

const spec = applyDefaults({ name: 'demo', provider: 'aws', type: 'selfmanaged', region: 'us-east-1' });

describe('withAllowCidrs', () => {
  it('returns the spec with the list (duplicates dropped, order kept), the recorded one untouched', () => {
    const next = withAllowCidrs(spec, ['198.51.100.0/24', '192.0.2.7/32', '198.51.100.0/24']);
    expect(next.network.allowCidrs).toEqual(['198.51.100.0/24', '192.0.2.7/32']);
    expect(spec.network.allowCidrs).toEqual([]);
    expect(withAllowCidrs(spec, []).network.allowCidrs).toEqual([]);
  });

  it('refuses what create refuses, naming the entry', () => {
    const refused = (cidrs: string[]) => {
      try {
        withAllowCidrs(spec, cidrs);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return { fields: (e as InputError).fields, message: (e as Error).message };
      }
      throw new Error('accepted');
    };
    expect(refused(['192.0.2.7/32', 'nope']).fields).toEqual(['spec.network.allowCidrs[1]']);
    expect(refused(['192.0.2.7/24']).message).toMatch(/host bits set.*192\.0\.2\.0\/24/);
    expect(refused(['2001:db8::/32']).message).toMatch(/not an IPv4 CIDR/);
    expect(refused(Array.from({ length: 21 }, (_, i) => `10.${i}.0.0/16`)).fields).toEqual(['spec.network.allowCidrs']);
  });

  it("describes the empty list as the operator's own address", () => {
    expect(describeAllowCidrs([])).toMatch(/operator's own address/);
    expect(describeAllowCidrs(['192.0.2.7/32', '198.51.100.0/24'])).toBe('192.0.2.7/32, 198.51.100.0/24');
  });
});
