/** `get clusters` sorts without ICU for valid names, in exactly the order localeCompare gives. */
import { describe, expect, it } from 'vitest';
import type { ClusterId, Provider } from '../../src/api/types.js';
import { listOrder } from '../../src/state/local/list.js';

const localeOrder = (ids: ClusterId[]) => {
  const key = (id: ClusterId) => `${id.name}\0${id.provider}\0${id.region}`;
  return [...ids].sort((a, b) => key(a).localeCompare(key(b)));
};

describe('listOrder', () => {
  it('matches localeCompare on names made of a-z, 0-9 and -', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const chars = 'ab-0z9';
    const word = (len: number) => Array.from({ length: 1 + rnd(len) }, () => chars[rnd(chars.length)]).join('');
    const providers: Provider[] = ['aws', 'azure', 'gcp', 'local', 'ssh'];
    for (let round = 0; round < 50; round++) {
      const ids: ClusterId[] = Array.from({ length: 40 }, () => ({
        name: word(4),
        provider: providers[rnd(5)]!,
        region: word(3),
      }));
      const ours = [...ids].sort(listOrder(ids));
      expect(ours).toEqual(localeOrder(ids));
    }
  });

  it('falls back to localeCompare for anything else', () => {
    const ids: ClusterId[] = [
      { name: 'B', provider: 'aws', region: 'x' },
      { name: 'a', provider: 'aws', region: 'x' },
      { name: 'é', provider: 'aws', region: 'x' },
    ];
    expect([...ids].sort(listOrder(ids))).toEqual(localeOrder(ids));
  });
});
