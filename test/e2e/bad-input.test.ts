/**
 * Bad input exits 2 with a message naming the field, before any provider call or state write. The kind
 * stand-in's state directory proves no provider call was made; KSCTL_HOME proves nothing was written.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ksctl, sandbox, type Sandbox } from '../helpers/cli.js';

let sb: Sandbox;
beforeAll(() => {
  sb = sandbox();
});
afterAll(() => sb.cleanup());

const file = (name: string, text: string) => {
  const p = path.join(sb.dir, name);
  writeFileSync(p, text);
  return p;
};

const header = 'apiVersion: ksctl.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: dev\n';

const cases: [string, () => string[], RegExp][] = [
  ['a name that is not a DNS label', () => ['create', 'cluster', 'My_Cluster', '--provider', 'local'], /name .*"My_Cluster" is not a DNS label/],
  ['a name that is too long', () => ['create', 'cluster', 'a'.repeat(41), '--provider', 'local'], /is not a DNS label.*at most 40/],
  ['a negative worker count', () => ['create', 'cluster', 'dev', '--provider', 'local', '--workers', '-2'], /spec\.workers\.count \(--workers\): must be a whole number >= 0, got -2/],
  ['a non-numeric count', () => ['create', 'cluster', 'dev', '--provider', 'local', '--workers', 'three'], /--workers must be a whole number, got "three"/],
  ['zero control planes', () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'selfmanaged', '--control-planes', '0'], /spec\.controlPlane\.count \(--control-planes\): must be a whole number >= 1/],
  ['an even number of etcd members', () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'selfmanaged', '--etcd', '4'], /spec\.etcd\.count \(--etcd\): must be 0 \(embedded\) or an odd number >= 3.*got 4/],
  ['an even number of embedded control planes', () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'selfmanaged', '--etcd', '0', '--control-planes', '2'], /use an odd number, got 2/],
  ['an unknown provider', () => ['create', 'cluster', 'dev', '--provider', 'digitalocean', '--type', 'managed'], /spec\.provider \(--provider\): unknown provider "digitalocean"/],
  ['an unknown region', () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'managed', '--region', 'us-east-9'], /spec\.region \(--region\): unknown aws region "us-east-9"/],
  ['an unknown distribution', () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'selfmanaged', '--distribution', 'rke2'], /spec\.distribution \(--distribution\): unknown distribution "rke2"/],
  ['a distribution on a managed cluster', () => ['create', 'cluster', 'dev', '--provider', 'gcp', '--type', 'managed', '--distribution', 'k3s'], /spec\.distribution .*self-managed clusters only/],
  ['an unsupported Kubernetes version', () => ['create', 'cluster', 'dev', '--provider', 'local', '--k8s-version', '1.12'], /spec\.kubernetesVersion \(--k8s-version\): 1\.12 is not offered/],
  ['a type the provider lacks', () => ['create', 'cluster', 'dev', '--provider', 'local', '--type', 'selfmanaged'], /spec\.type .*provider local supports managed/],
  ['a bad CIDR', () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'selfmanaged', '--allow-cidr', '300.1.1.1/32'], /spec\.network\.allowCidrs\[0\].*not an IPv4 CIDR/],
  ['missing provider without a terminal', () => ['create', 'cluster', 'dev'], /missing required values?: provider.*pass --provider/],
  ['missing name', () => ['create', 'cluster', '--provider', 'local'], /missing required value: name/],
  ['an unknown flag', () => ['create', 'cluster', 'dev', '--provider', 'local', '--wrokers', '2'], /unknown option '--wrokers'/],
  ['an invalid -o value', () => ['get', 'clusters', '-o', 'xml'], /argument 'xml' is invalid/],
  ['an unknown key in the file', () => ['create', 'cluster', '-f', file('unknown.yaml', `${header}spec:\n  provider: local\n  wrokers:\n    count: 2\n`)], /spec\.wrokers: unknown field/],
  ['a wrong type in the file', () => ['create', 'cluster', '-f', file('type.yaml', `${header}spec:\n  provider: local\n  workers:\n    count: "two"\n`)], /spec\.workers\.count: .*expected number/],
  ['unparseable YAML', () => ['create', 'cluster', '-f', file('broken.yaml', `${header}spec:\n  provider: [local\n`)], /is not valid YAML \(line \d+, column \d+\)/],
  ['a wrong apiVersion', () => ['create', 'cluster', '-f', file('version.yaml', 'apiVersion: ksctl.io/v9\nkind: Cluster\n')], /apiVersion must be ksctl\.io\/v1alpha1/],
  ['a missing file', () => ['create', 'cluster', '-f', path.join(sb.dir, 'nope.yaml')], /cannot read cluster file .*ENOENT/],
  ['an external etcd older than 3.6', () => ['create', 'cluster', '-f', file('etcd-old.yaml', `${header}spec:\n  provider: aws\n  type: selfmanaged\n  etcd:\n    release:\n      version: v3.4.23\n      sha256: { amd64: ${'a'.repeat(64)} }\n`)], /spec\.etcd\.release\.version: etcd v3\.4\.23 is too old: use v3\.6 or newer/],
  ['an etcd version without its checksums', () => ['create', 'cluster', '-f', file('etcd-sum.yaml', `${header}spec:\n  provider: aws\n  type: selfmanaged\n  etcd:\n    release: { version: v3.6.99 }\n`)], /spec\.etcd\.release\.sha256: v3\.6\.99 is not the pinned release/],
  ['an etcd mirror URL with a password', () => ['create', 'cluster', '-f', file('etcd-url.yaml', `${header}spec:\n  provider: aws\n  type: selfmanaged\n  etcd:\n    release: { baseUrl: "https://u:secret@mirror.internal/etcd" }\n`)], /spec\.etcd\.release\.baseUrl: must not contain a user name or password/],
  ['ssh provider without machines', () => ['create', 'cluster', 'dev', '--provider', 'ssh'], /spec\.machines: the ssh provider needs the machines/],
  ['an unknown shell for completion', () => ['completion', 'powershell'], /unknown shell "powershell"/],
];

describe('bad input', () => {
  it.each(cases)('%s → exit 2, the field named, nothing written', async (_what, args, message) => {
    const r = await ksctl(args(), sb.env);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(existsSync(sb.ksctlHome) ? readdirSync(sb.ksctlHome, { recursive: true }) : []).toEqual([]);
    expect(existsSync(path.join(sb.dir, 'kind')) ? readdirSync(path.join(sb.dir, 'kind')) : []).toEqual([]);
    expect(existsSync(path.join(sb.home, '.kube'))).toBe(false);
  });

  it('reports every problem at once, each with its path and flag', async () => {
    const r = await ksctl(['create', 'cluster', 'Bad', '--provider', 'aws', '--type', 'selfmanaged', '--region', 'mars-1', '--etcd', '2', '--workers', '-1'], sb.env);
    expect(r.code).toBe(2);
    for (const field of ['name', 'spec.region', 'spec.etcd.count', 'spec.workers.count']) expect(r.stderr).toContain(`  ${field}`);
  });
});
