/**
 * Values and YAML that attack ksctl: huge and odd numbers, NUL bytes, escapes, shell metacharacters,
 * very long strings, wrong types, deep nesting, anchors and aliases ("billion laughs"), odd tags.
 */
import fc from 'fast-check';

export interface FuzzPaths {
  /** A file a shell injection would create. */
  canary: string;
  /** A real, readable private key. */
  goodKey: string;
}

export const hostileString = (p: FuzzPaths): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(
      `1.2.3.4; touch ${p.canary}`,
      `$(touch ${p.canary})`,
      `\`touch ${p.canary}\``,
      `root;id`,
      `a\nb`,
      `x\u0000y`,
      '\u001b[31mred\u001b[0m',
      '../../../../etc/passwd',
      '/etc/shadow',
      '/dev/zero',
      '~/../../root',
      '-oProxyCommand=touch /tmp/x',
      "' OR 1=1 --",
      '${HOME}',
      '%s%n%x',
      '\ufeff',
      '\ud800',
      '',
      ' ',
      '*',
      '&anchor',
    ),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.nat({ max: 200_000 }).map((n) => 'a'.repeat(n)),
    fc.string({
      unit: fc.constantFrom(';', '|', '&', '$', '`', '(', ')', '<', '>', '\\', '"', "'", ' ', '\n', '*', '?', '!', '#'),
      maxLength: 20,
    }),
  );

export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    1,
    2,
    3,
    4,
    5,
    7,
    8,
    450,
    451,
    999,
    1000,
    1001,
    5000,
    100_000_000,
    2 ** 31,
    2 ** 53,
    Number.MAX_SAFE_INTEGER + 2,
    1.5,
    -0,
    1e308,
  ),
  fc.integer(),
  fc.double(),
);

export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 5 }),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.nat(), { maxKeys: 2 }),
);

/** A value that is usually good, sometimes hostile, sometimes of the wrong type. */
export const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: bad, weight: 2 }, { arbitrary: wrongType, weight: 1 });

/** YAML text that attacks the reader itself. */
export function hostileYaml(): fc.Arbitrary<string> {
  const header = 'apiVersion: ksctl.io/v1alpha1\nkind: Cluster\nmetadata: {name: dev}\n';
  return fc.oneof(
    fc.integer({ min: 10, max: 50_000 }).map((n) => `${header}spec: ${'['.repeat(n)}${']'.repeat(n)}\n`),
    fc
      .integer({ min: 10, max: 5_000 })
      .map(
        (n) => `${header}spec:\n${Array.from({ length: n }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`,
      ),
    fc.integer({ min: 2, max: 12 }).map((levels) => {
      // "Billion laughs": each level aliases the previous one nine times.
      const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < levels; i++)
        lines.push(
          `a${i}: &a${i} [${Array(9)
            .fill(`*a${i - 1}`)
            .join(',')}]`,
        );
      return `${header}${lines.join('\n')}\nspec: {workers: {count: *a${levels - 1}}}\n`;
    }),
    fc.constant(
      `${header}spec:\n  workers: &w {count: 2, size: t3.large}\n  controlPlane: *w\n  etcd: {<<: *w, count: 3}\n  provider: aws\n  type: selfmanaged\n`,
    ),
    fc.constant(`${header}spec: !!js/function "function () { return 1 }"\n`),
    fc.constant(`${header}spec: {provider: local}\nspec: {provider: aws}\n`),
    fc.constant(`${header}spec: {workers: {count: !!binary aGVsbG8=}}\n`),
    fc.constant(`${header}spec: {workers: {count: .inf}}\n`),
    fc.constant(`${header}spec: {workers: {count: 0x7fffffffffffffff}}\n`),
    fc.constant(`${header}--- \nkind: Other\n`),
    fc.constant(`%YAML 1.1\n---\n${header}spec: {provider: local, workers: {spot: yes}}\n`),
  );
}
