import { describe, expect, it } from 'vitest';
import { checkUpgrade } from '../../src/api/upgrade.js';
import { InputError } from '../../src/errors.js';

const check = (from: string, to: string) => checkUpgrade('ssh', 'selfmanaged', from, to);

describe('checkUpgrade: the version skew policy, before anything is touched', () => {
  it('takes the next minor and a newer patch of the same minor', () => {
    expect(check('v1.36.4', '1.37')).toEqual({ from: 'v1.36.4', to: '1.37', patch: false });
    expect(check('v1.36.4', '1.37.2')).toEqual({ from: 'v1.36.4', to: '1.37.2', patch: false });
    expect(check('v1.36.4', '1.36.5').patch).toBe(true);
  });

  it.each([
    ['1.38', /2 minors above.*one minor at a time/],
    ['1.35', /older.*cannot be downgraded/],
    ['v1.36.3', /older/],
    ['1.36', /already runs/],
    ['1.36.4', /already runs/],
    ['x', /not a version/],
    ['2.0', /another major/],
  ])('refuses %s from v1.36.4 (exit 2, naming --k8s-version)', (to, message) => {
    const e = (() => {
      try {
        check('v1.36.4', to);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toMatch(message);
    expect((e as InputError).fields).toEqual(['--k8s-version']);
  });

  it('gives the steps for a bigger jump', () => {
    expect(() => check('v1.35.1', '1.37')).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/--k8s-version 1.36, then .*--k8s-version 1.37/) }),
    );
  });

  it('refuses a minor self-managed clusters do not support', () => {
    expect(() => checkUpgrade('ssh', 'selfmanaged', 'v1.37.2', '1.38')).toThrow(/not supported/);
    expect(checkUpgrade('aws', 'managed', 'v1.37.2', '1.38').to).toBe('1.38');
  });
});
