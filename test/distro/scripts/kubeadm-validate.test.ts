/**
 * Every kubeadm configuration ksctl generates passes the REAL `kubeadm config validate` (kubeadm built
 * from the Go module proxy by scripts/build-kubernetes.sh, which install-test-deps.sh runs). kubeadm
 * decodes strictly: an unknown field, a v1beta3 document or a map where v1beta4 wants a list fails here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../../../src/util/yaml-write.js';
import {
  CERT_KEY_PLACEHOLDER,
  TOKEN_PLACEHOLDER,
  VERSION_PLACEHOLDER,
  kubeadmInitConfig,
  kubeadmJoinConfig,
} from '../../../src/distro/scripts/kubeadm-config.js';
import type { KubeadmNodeInput } from '../../../src/distro/scripts/types.js';
import { CA_HASH, ETCD, LB } from './matrix.js';

const VERSION = 'v1.37.2';
const BIN = path.join(process.env.KSCTL_TEST_CACHE ?? '/var/cache/ksctl-test', `kubernetes-${VERSION}`, 'kubeadm');
const present = existsSync(BIN);
const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-kubeadm-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const binaryMinor = VERSION.slice(1).split('.').slice(0, 2).join('.');

/**
 * A minor leaves `kubernetesVersion` to the kubeadm installed on the machine, which the init script
 * fills in from `kubeadm version -o short`; here that kubeadm is the validator itself.
 */
function asOnTheMachine(yaml: string): string {
  return yaml
    .replaceAll(TOKEN_PLACEHOLDER, 'abcdef.0123456789abcdef')
    .replaceAll(CERT_KEY_PLACEHOLDER, 'f'.repeat(64))
    .replaceAll(VERSION_PLACEHOLDER, VERSION);
}

const base: KubeadmNodeInput = {
  cluster: 'demo',
  kubernetesVersion: binaryMinor,
  node: { name: 'cp-0', address: '10.0.2.10' },
  providerId: 'ksctl://demo/cp-0',
  loadBalancer: LB,
};

const cases: [string, string][] = [];
for (const [etcdName, etcd] of [
  ['stacked etcd', []],
  ['external etcd', ETCD],
] as const) {
  for (const [cloud, providerId, allowCgroupV1] of [
    ['ssh', 'ksctl://demo/cp-0', true],
    ['aws', 'aws:///us-east-1a/i-0123456789abcdef0', false],
    [
      'azure',
      'azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ksctl-demo/providers/Microsoft.Compute/virtualMachines/demo-cp-0',
      false,
    ],
    ['gcp', 'gce://my-project/us-central1-a/demo-cp-0', true],
  ] as const) {
    const input: KubeadmNodeInput = { ...base, etcd: [...etcd], providerId, kubelet: { allowCgroupV1 } };
    const join = { ...input, caCertHash: CA_HASH };
    cases.push(
      [`init, ${etcdName}, ${cloud}`, kubeadmInitConfig(input)],
      [
        `control-plane join, ${etcdName}, ${cloud}`,
        kubeadmJoinConfig({ ...join, node: { name: 'cp-1', address: '10.0.2.11' } }, true),
      ],
      [
        `worker join, ${etcdName}, ${cloud}`,
        kubeadmJoinConfig({ ...join, node: { name: 'wp-0', address: '10.0.3.10' } }, false),
      ],
    );
  }
}
cases.push([
  'worker join of a pool with labels and taints (node-labels, nodeRegistration.taints)',
  kubeadmJoinConfig(
    {
      ...base,
      caCertHash: CA_HASH,
      node: { name: 'demo-gpu-0', address: '10.0.3.11' },
      registration: {
        labels: {
          'ksctl.io/pool': 'gpu',
          'example.com/team': 'ml',
          'node.kubernetes.io/exclude-from-external-load-balancers': 'true',
        },
        taints: [
          { key: 'example.com/gpu', value: 'true', effect: 'NoSchedule' },
          { key: 'dedicated', value: '', effect: 'NoExecute' },
        ],
      },
    },
    false,
  ),
]);
cases.push([
  'init with a node named "no" (YAML 1.1 boolean)',
  kubeadmInitConfig({ ...base, node: { name: 'no', address: '10.0.2.10' } }),
]);

function validate(name: string, yaml: string): { code: number | null; out: string } {
  const file = path.join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
  writeFileSync(file, asOnTheMachine(yaml));
  const r = spawnSync(BIN, ['config', 'validate', '--config', file], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!present)(`real kubeadm ${VERSION}: config validate`, () => {
  it('is the version this test expects', () => {
    expect(execFileSync(BIN, ['version', '-o', 'short'], { encoding: 'utf8' }).trim()).toBe(VERSION);
  });

  it.each(cases)('%s', (name, yaml) => {
    const r = validate(name, yaml);
    expect(r.out).toMatch(/^ok$/m);
    expect(r.code).toBe(0);
  });

  it('the validator is strict: it rejects v1beta3 and unknown fields (so "ok" above means something)', () => {
    const worker = kubeadmJoinConfig({ ...base, caCertHash: CA_HASH }, false);
    const v1beta3 = validate('v1beta3', worker.replace('kubeadm.k8s.io/v1beta4', 'kubeadm.k8s.io/v1beta3'));
    expect(v1beta3.code).not.toBe(0);
    expect(v1beta3.out).toContain('old API spec: "kubeadm.k8s.io/v1beta3"');
    const unknown = validate('unknown-field', worker.replace('  tlsBootstrap:', '  bogus:'));
    expect(unknown.code).not.toBe(0);
    expect(unknown.out).toContain('unknown field "timeouts.bogus"');
    // v1beta3's map form of the kubelet's extra args, where v1beta4 wants a list of {name, value}.
    const doc = parse(worker) as { nodeRegistration: { kubeletExtraArgs: unknown } };
    doc.nodeRegistration.kubeletExtraArgs = { 'node-ip': '10.0.3.10' };
    const mapArgs = validate('map-args', toYaml(doc));
    expect(mapArgs.code).not.toBe(0);
    expect(mapArgs.out).toContain(
      'cannot unmarshal object into Go struct field NodeRegistrationOptions.nodeRegistration.kubeletExtraArgs of type []v1beta4.Arg',
    );
  });
});

describe.skipIf(present)(`real kubeadm ${VERSION}`, () => {
  it(`SKIPPED: ${BIN} is absent (scripts/install-test-deps.sh builds it with Go)`, () => {
    expect(present).toBe(false);
  });
});
