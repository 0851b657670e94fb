/** `create cluster` command lines and the environment variables ksctl reads, good and hostile. */
import fc from 'fast-check';
import { PROVIDERS } from '../../src/api/types.js';
import { hostileNumber, hostileString, type FuzzPaths } from './hostile.js';

const valueFlags: [string, fc.Arbitrary<string>][] = [
  ['--provider', fc.constantFrom(...PROVIDERS)],
  ['--type', fc.constantFrom('managed', 'selfmanaged')],
  ['--region', fc.constantFrom('us-east-1', 'eastus', 'us-central1', 'local', 'lab')],
  ['--distribution', fc.constantFrom('k3s', 'kubeadm')],
  ['--k8s-version', fc.constantFrom('1.37', '1.36', '1.35', '1.34')],
  ['--control-planes', fc.constantFrom('1', '3', '5')],
  ['--workers', fc.constantFrom('0', '1', '2', '450', '1000')],
  ['--etcd', fc.constantFrom('0', '3')],
  ['--cp-size', fc.constantFrom('t3.medium', 'e2-medium')],
  ['--worker-size', fc.constantFrom('t3.large', 'Standard_B2ms')],
  ['--etcd-size', fc.constant('t3.small')],
  ['--lb-size', fc.constant('t3.micro')],
  ['--allow-cidr', fc.constantFrom('203.0.113.7/32', '10.0.0.0/8')],
  ['--vpc-cidr', fc.constant('10.1.0.0/16')],
  ['--profile', fc.constant('dev')],
  ['--subscription', fc.uuid()],
  ['--project', fc.constant('my-project-1')],
];

/** `create cluster` arguments (without --dry-run and -f): name, value flags, switches, unknown flags. */
export function flagSet(p: FuzzPaths): fc.Arbitrary<string[]> {
  const str = hostileString(p);
  const numberText = hostileNumber.map(String);
  const one = fc.oneof(
    {
      arbitrary: fc
        .constantFrom(...valueFlags)
        .chain(([f, good]) =>
          fc
            .oneof({ arbitrary: good, weight: 3 }, { arbitrary: str, weight: 1 }, { arbitrary: numberText, weight: 1 })
            .map((v) => [f, v]),
        ),
      weight: 8,
    },
    {
      arbitrary: fc.constantFrom(
        ['--spot'],
        ['--no-switch'],
        ['--no-color'],
        ['--verbose'],
        ['-o', 'json'],
        ['-o', 'yaml'],
        ['-o', 'xml'],
      ),
      weight: 2,
    },
    { arbitrary: str.map((s) => [`--${s.slice(0, 30)}`]), weight: 1 },
    { arbitrary: str.map((s) => [s.slice(0, 300)]), weight: 1 },
  );
  const name = fc.oneof({ arbitrary: fc.constantFrom('dev', 'prod-1'), weight: 4 }, { arbitrary: str, weight: 1 });
  // A working command line to start from, so valid runs (exit 0) are common, not a lucky accident.
  const base = fc.constantFrom(
    [],
    ['-p', 'local'],
    ['-p', 'aws', '-t', 'managed'],
    ['-p', 'gcp', '-t', 'selfmanaged'],
    ['-p', 'azure', '-t', 'selfmanaged', '-d', 'kubeadm'],
    ['-p', 'aws', '-t', 'selfmanaged', '--workers', '999', '--etcd', '0'],
  );
  return fc
    .tuple(fc.option(name, { nil: undefined }), base, fc.array(one, { maxLength: 6 }))
    .map(([n, b, flags]) => [...(n === undefined ? [] : [n]), ...b, ...flags.flat()]);
}

/** Environment variables ksctl reads, usually absent, sometimes hostile. */
export function envSet(p: FuzzPaths): fc.Arbitrary<Record<string, string>> {
  const v = fc.oneof(
    hostileString(p),
    fc.constantFrom('aws', 'selfmanaged', 'us-east-1', 'k3s', '1.37', '20', '0', '99999'),
  );
  const hostile = fc
    .record(
      {
        KSCTL_PROVIDER: v,
        KSCTL_TYPE: v,
        KSCTL_REGION: v,
        KSCTL_DISTRIBUTION: v,
        KSCTL_K8S_VERSION: v,
        KSCTL_SSH_WAIT_SECONDS: v,
        KSCTL_SUDO_PASSWORD: v,
        KUBECONFIG: v,
      },
      { requiredKeys: [] },
    )
    .map((env) => Object.fromEntries(Object.entries(env).map(([k, val]) => [k, val.replace(/\0/g, '')]))); // the OS cannot carry NUL in the environment
  return fc.oneof({ arbitrary: fc.constant({}), weight: 3 }, { arbitrary: hostile, weight: 1 });
}
