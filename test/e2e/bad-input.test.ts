/**
 * Bad input exits 2 with a message naming the field, before any provider call or state write. The kind
 * stand-in's state directory proves no provider call was made; KSCTL_HOME proves nothing was written.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ksctl, sandbox, type Sandbox } from '../helpers/cli.js';

let sb: Sandbox;
beforeAll(() => {
  sb = sandbox();
});
afterAll(() => sb.cleanup());

const file = (name: string, text: string | Buffer) => {
  const p = path.join(sb.dir, name);
  writeFileSync(p, text);
  return p;
};

const header = 'apiVersion: ksctl.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: dev\n';

/** An ssh-provider file with one machine changed (a real key file for the others). */
const sshFile = (name: string, worker: Record<string, string>, extra = '') => {
  const key = path.join(sb.dir, 'id_ed25519');
  if (!existsSync(key))
    writeFileSync(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
  const m = (role: string, address: string, more: Record<string, string> = {}) =>
    `    - ${JSON.stringify({ role, address, user: 'root', keyFile: key, ...more })}\n`;
  return file(
    name,
    `${header}spec:\n  provider: ssh\n  controlPlane: {count: 1}\n${extra}  machines:\n${m('loadbalancer', '10.0.0.1')}${m('controlplane', '10.0.0.2')}${m('worker', '10.0.0.3', worker)}`,
  );
};
const laughs = Array.from({ length: 8 }, (_, i) =>
  i === 0
    ? 'a0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]'
    : `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(',')}]`,
).join('\n');

const cases: [string, () => string[], RegExp][] = [
  [
    'a name that is not a DNS label',
    () => ['create', 'cluster', 'My_Cluster', '--provider', 'local'],
    /name .*"My_Cluster" is not a DNS label/,
  ],
  [
    'a name that is too long',
    () => ['create', 'cluster', 'a'.repeat(41), '--provider', 'local'],
    /is not a DNS label.*at most 40/,
  ],
  [
    'a negative worker count',
    () => ['create', 'cluster', 'dev', '--provider', 'local', '--workers', '-2'],
    /spec\.workers\.count \(--workers\): must be a whole number >= 0, got -2/,
  ],
  [
    'a non-numeric count',
    () => ['create', 'cluster', 'dev', '--provider', 'local', '--workers', 'three'],
    /--workers must be a whole number, got "three"/,
  ],
  [
    'zero control planes',
    () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'selfmanaged', '--control-planes', '0'],
    /spec\.controlPlane\.count \(--control-planes\): must be a whole number >= 1/,
  ],
  [
    'an even number of etcd members',
    () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'selfmanaged', '--etcd', '4'],
    /spec\.etcd\.count \(--etcd\): must be 0 \(embedded\) or an odd number >= 3.*got 4/,
  ],
  [
    'an even number of embedded control planes',
    () => [
      'create',
      'cluster',
      'dev',
      '--provider',
      'aws',
      '--type',
      'selfmanaged',
      '--etcd',
      '0',
      '--control-planes',
      '2',
    ],
    /use an odd number, got 2/,
  ],
  [
    'an unknown provider',
    () => ['create', 'cluster', 'dev', '--provider', 'digitalocean', '--type', 'managed'],
    /spec\.provider \(--provider\): unknown provider "digitalocean"/,
  ],
  [
    'an unknown region',
    () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'managed', '--region', 'us-east-9'],
    /spec\.region \(--region\): unknown aws region "us-east-9"/,
  ],
  [
    'an unknown distribution',
    () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'selfmanaged', '--distribution', 'rke2'],
    /spec\.distribution \(--distribution\): unknown distribution "rke2"/,
  ],
  [
    'a distribution on a managed cluster',
    () => ['create', 'cluster', 'dev', '--provider', 'gcp', '--type', 'managed', '--distribution', 'k3s'],
    /spec\.distribution .*self-managed clusters only/,
  ],
  [
    'an unsupported Kubernetes version',
    () => ['create', 'cluster', 'dev', '--provider', 'local', '--k8s-version', '1.12'],
    /spec\.kubernetesVersion \(--k8s-version\): 1\.12 is not offered/,
  ],
  [
    'a self-managed version out of the supported window',
    () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'selfmanaged', '--k8s-version', '1.34'],
    /spec\.kubernetesVersion \(--k8s-version\): 1\.34 is not offered: use one of 1\.37, 1\.36, 1\.35/,
  ],
  [
    'a version that is not a version',
    () => ['create', 'cluster', 'dev', '--provider', 'gcp', '--type', 'managed', '--k8s-version', 'latest'],
    /spec\.kubernetesVersion \(--k8s-version\): "latest" is not a version: use a minor such as 1\.36 or a patch such as 1\.37\.2/,
  ],
  [
    'a type the provider lacks',
    () => ['create', 'cluster', 'dev', '--provider', 'local', '--type', 'selfmanaged'],
    /spec\.type .*provider local supports managed/,
  ],
  [
    'a bad CIDR',
    () => ['create', 'cluster', 'dev', '--provider', 'aws', '--type', 'selfmanaged', '--allow-cidr', '300.1.1.1/32'],
    /spec\.network\.allowCidrs\[0\].*not an IPv4 CIDR/,
  ],
  [
    'a CIDR with host bits set',
    () => ['create', 'cluster', 'dev', '--provider', 'gcp', '--type', 'managed', '--allow-cidr', '198.51.100.77/24'],
    /spec\.network\.allowCidrs\[0\]: "198\.51\.100\.77\/24" has host bits set.*write 198\.51\.100\.0\/24/,
  ],
  [
    'a VPC CIDR with host bits set',
    () => ['create', 'cluster', 'dev', '--provider', 'azure', '--type', 'selfmanaged', '--vpc-cidr', '10.1.2.3/16'],
    /spec\.network\.cidr \(--vpc-cidr\): "10\.1\.2\.3\/16" has host bits set.*write 10\.1\.0\.0\/16/,
  ],
  [
    'missing provider without a terminal',
    () => ['create', 'cluster', 'dev'],
    /missing required values?: provider.*pass --provider/,
  ],
  ['missing name', () => ['create', 'cluster', '--provider', 'local'], /missing required value: name/],
  [
    'an unknown flag',
    () => ['create', 'cluster', 'dev', '--provider', 'local', '--wrokers', '2'],
    /unknown option '--wrokers'/,
  ],
  ['an invalid -o value', () => ['get', 'clusters', '-o', 'xml'], /argument 'xml' is invalid/],
  [
    'an unknown key in the file',
    () => [
      'create',
      'cluster',
      '-f',
      file('unknown.yaml', `${header}spec:\n  provider: local\n  wrokers:\n    count: 2\n`),
    ],
    /spec\.wrokers: unknown field/,
  ],
  [
    'a wrong type in the file',
    () => [
      'create',
      'cluster',
      '-f',
      file('type.yaml', `${header}spec:\n  provider: local\n  workers:\n    count: "two"\n`),
    ],
    /spec\.workers\.count: .*expected number/,
  ],
  [
    'unparseable YAML',
    () => ['create', 'cluster', '-f', file('broken.yaml', `${header}spec:\n  provider: [local\n`)],
    /is not valid YAML \(line \d+, column \d+\)/,
  ],
  [
    'a wrong apiVersion',
    () => ['create', 'cluster', '-f', file('version.yaml', 'apiVersion: ksctl.io/v9\nkind: Cluster\n')],
    /apiVersion must be ksctl\.io\/v1alpha1/,
  ],
  [
    'a missing file',
    () => ['create', 'cluster', '-f', path.join(sb.dir, 'nope.yaml')],
    /cannot read cluster file .*ENOENT/,
  ],
  [
    'an external etcd older than 3.6',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'etcd-old.yaml',
        `${header}spec:\n  provider: aws\n  type: selfmanaged\n  etcd:\n    release:\n      version: v3.4.23\n      sha256: { amd64: ${'a'.repeat(64)} }\n`,
      ),
    ],
    /spec\.etcd\.release\.version: etcd v3\.4\.23 is too old: use v3\.6 or newer/,
  ],
  [
    'an etcd version without its checksums',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'etcd-sum.yaml',
        `${header}spec:\n  provider: aws\n  type: selfmanaged\n  etcd:\n    release: { version: v3.6.99 }\n`,
      ),
    ],
    /spec\.etcd\.release\.sha256: v3\.6\.99 is not the pinned release/,
  ],
  [
    'an etcd mirror URL with a password',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'etcd-url.yaml',
        `${header}spec:\n  provider: aws\n  type: selfmanaged\n  etcd:\n    release: { baseUrl: "https://u:secret@mirror.internal/etcd" }\n`,
      ),
    ],
    /spec\.etcd\.release\.baseUrl: must not contain a user name or password/,
  ],
  [
    'ssh provider without machines',
    () => ['create', 'cluster', 'dev', '--provider', 'ssh'],
    /spec\.machines: the ssh provider needs the machines/,
  ],
  ['an unknown shell for completion', () => ['completion', 'powershell'], /unknown shell "powershell"/],
  [
    'a hundred million workers',
    () => ['create', 'cluster', 'big', '-p', 'aws', '-t', 'selfmanaged', '--workers', '100000000', '--dry-run'],
    /spec\.workers\.count \(--workers\): must be at most 1000 \(machines per cluster\), got 100000000/,
  ],
  [
    'more nodes than an EKS node group holds',
    () => ['create', 'cluster', 'big', '-p', 'aws', '-t', 'managed', '--workers', '451', '--dry-run'],
    /spec\.workers\.count \(--workers\): must be at most 450 \(nodes per aws pool\)/,
  ],
  [
    'a hundred million workers in a file',
    () => [
      'create',
      'cluster',
      '-f',
      file('many.yaml', `${header}spec: {provider: gcp, type: selfmanaged, workers: {count: 100000000}}\n`),
      '--dry-run',
    ],
    /spec\.workers\.count: Too big: expected number to be <=1000/,
  ],
  [
    'a YAML billion laughs',
    () => ['create', 'cluster', '-f', file('laughs.yaml', `${header}${laughs}\n`)],
    /laughs\.yaml cannot be read: Excessive alias count/,
  ],
  [
    'YAML nested 100,000 deep',
    () => [
      'create',
      'cluster',
      '-f',
      file('deep.yaml', `${header}spec: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`),
    ],
    /deep\.yaml nests \d+ levels deep; at most 64/,
  ],
  [
    'a cluster file that is not UTF-8',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'latin1.yaml',
        Buffer.concat([
          Buffer.from(`${header}spec: {provider: local, region: caf`),
          Buffer.from([0xe9]),
          Buffer.from('}\n'),
        ]),
      ),
    ],
    /latin1\.yaml is not UTF-8 text/,
  ],
  [
    'an address with a shell command',
    () => ['create', 'cluster', '-f', sshFile('addr.yaml', { address: '1.2.3.4; touch /tmp/x' })],
    /spec\.machines\[2\]\.address: "1\.2\.3\.4; touch \/tmp\/x" is not an IP address or DNS name/,
  ],
  [
    'a user that is not a POSIX user name',
    () => ['create', 'cluster', '-f', sshFile('user.yaml', { user: 'root;id' })],
    /spec\.machines\[2\]\.user: "root;id" is not a POSIX user name/,
  ],
  [
    'a key file that is not a private key',
    () => ['create', 'cluster', '-f', sshFile('key.yaml', { keyFile: '/etc/shadow' })],
    /spec\.machines\[2\]\.keyFile: "\/etc\/shadow" is not a private key/,
  ],
  [
    'a bastion with a hostile user',
    () => [
      'create',
      'cluster',
      '-f',
      sshFile('bastion.yaml', {}, '  ssh: {bastion: {address: jump.example.com, user: "$(id)"}}\n'),
    ],
    /spec\.ssh\.bastion\.user: "\$\(id\)" is not a POSIX user name/,
  ],
  [
    'a self-managed pool label the kubelet may not set (NodeRestriction)',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'pools-sm.yaml',
        `${header}spec: {provider: aws, type: selfmanaged, nodePools: [{name: gpu, count: 2, labels: {node-role.kubernetes.io/gpu: ""}}]}\n`,
      ),
      '--dry-run',
    ],
    /spec\.nodePools\[0\]\.labels\.node-role\.kubernetes\.io\/gpu: label key "node-role\.kubernetes\.io\/gpu": labels under kubernetes\.io and k8s\.io are reserved/,
  ],
  [
    'self-managed workers that disagree with the default pool',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'pools-sm-workers.yaml',
        `${header}spec: {provider: gcp, type: selfmanaged, workers: {count: 3}, nodePools: [{name: default, count: 1}]}\n`,
      ),
      '--dry-run',
    ],
    /spec\.workers\.count.*: is 3 but spec\.nodePools\[0\]\.count is 1; on a self-managed cluster spec\.workers is the default pool/,
  ],
  [
    'taints on kind workers',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'pools-kind.yaml',
        `${header}spec: {provider: local, nodePools: [{name: a, count: 2, taints: ["a=b:NoSchedule"]}]}\n`,
      ),
      '--dry-run',
    ],
    /spec\.nodePools\[0\]\.taints: node taints are not supported here: kind nodes take labels but no taints/,
  ],
  [
    'duplicate pool names',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'pools-dup.yaml',
        `${header}spec: {provider: gcp, type: managed, nodePools: [{name: a, count: 2}, {name: a, count: 1}]}\n`,
      ),
      '--dry-run',
    ],
    /spec\.nodePools\[1\]\.name: "a" is already the name of spec\.nodePools\[0\]: pool names must be unique/,
  ],
  [
    'a negative pool count',
    () => [
      'create',
      'cluster',
      '-f',
      file('pools-neg.yaml', `${header}spec: {provider: gcp, type: managed, nodePools: [{name: a, count: -1}]}\n`),
      '--dry-run',
    ],
    /spec\.nodePools\[0\]\.count: Too small: expected number to be >=0/,
  ],
  [
    'a pool count outside min/max',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'pools-max.yaml',
        `${header}spec: {provider: azure, type: managed, nodePools: [{name: a, count: 5, min: 1, max: 3}]}\n`,
      ),
      '--dry-run',
    ],
    /spec\.nodePools\[0\]\.count: is 5, above the pool's max 3: use a count of at most 3 or raise max/,
  ],
  [
    'a taint without an effect',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'pools-taint.yaml',
        `${header}spec: {provider: aws, type: managed, nodePools: [{name: a, count: 1, taints: ["gpu=true"]}]}\n`,
      ),
      '--dry-run',
    ],
    /spec\.nodePools\[0\]\.taints\[0\]: "gpu=true" is not a taint: write a taint as key=value:Effect or key:Effect/,
  ],
  [
    'a taint with an unknown effect',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'pools-effect.yaml',
        `${header}spec: {provider: aws, type: managed, nodePools: [{name: a, count: 1, taints: [{key: gpu, effect: NoRun}]}]}\n`,
      ),
      '--dry-run',
    ],
    /spec\.nodePools\[0\]\.taints\[0\]\.effect: .*"NoSchedule"/,
  ],
  [
    'a label key Kubernetes refuses',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'pools-label.yaml',
        `${header}spec: {provider: aws, type: managed, nodePools: [{name: a, count: 1, labels: {"-team": x}}]}\n`,
      ),
      '--dry-run',
    ],
    /spec\.nodePools\[0\]\.labels\.-team: label key "-team": the name part must be letters/,
  ],
  [
    'a reserved label',
    () => [
      'create',
      'cluster',
      '-f',
      file(
        'pools-reserved.yaml',
        `${header}spec: {provider: gcp, type: managed, nodePools: [{name: a, count: 1, labels: {"node-role.kubernetes.io/gpu": "x"}}]}\n`,
      ),
      '--dry-run',
    ],
    /labels under kubernetes\.io and k8s\.io are reserved/,
  ],
  [
    'an air-gap image archive given with a directory',
    () => [
      'create',
      'cluster',
      '-f',
      sshFile(
        'images.yaml',
        {},
        `  airgap: {enabled: true, dir: ${JSON.stringify(sb.dir)}, images: [../etc/shadow.tar]}\n`,
      ),
    ],
    /spec\.airgap\.images\[0\]: "\.\.\/etc\/shadow\.tar" must be the file name \(no directory\)/,
  ],
  [
    'an air-gap image archive that is not in spec.airgap.dir',
    () => [
      'create',
      'cluster',
      '-f',
      sshFile(
        'images-missing.yaml',
        {},
        `  airgap: {enabled: true, dir: ${JSON.stringify(sb.dir)}, images: [kube-apiserver.tar]}\n`,
      ),
    ],
    /spec\.airgap\.images: kube-apiserver\.tar not found in /,
  ],
  [
    'sudo password promised without a terminal or KSCTL_SUDO_PASSWORD',
    () => ['create', 'cluster', '-f', sshFile('sudo.yaml', {}, '  ssh: {sudoPassword: true}\n')],
    /spec\.ssh\.sudoPassword is true but no password was given: set KSCTL_SUDO_PASSWORD/,
  ],
  // create from a backup (docs/backups.md, "Restore onto a fresh cluster"; with real bundles: ssh-fresh-restore.test.ts)
  [
    '--restore without --backup-target',
    () => ['create', 'cluster', 'dev', '--provider', 'local', '--restore', 'prod-20261207t060000z'],
    /--backup-target is required with --restore/,
  ],
  [
    '--backup-target without --restore',
    () => ['create', 'cluster', 'dev', '--provider', 'local', '--backup-target', 'file:///var/b'],
    /--backup-target goes with --restore/,
  ],
  [
    '--restore naming no backup',
    () => ['create', 'cluster', 'dev', '--provider', 'local', '--restore', 'latest', '--backup-target', 'file:///b'],
    /--restore: "latest" is not a backup name/,
  ],
  [
    'a --backup-key-file that does not exist',
    () => [
      'create',
      'cluster',
      'dev',
      '--provider',
      'local',
      '--restore',
      'prod-20261207t060000z',
      '--backup-target',
      'file:///b',
      '--backup-key-file',
      path.join(sb.dir, 'no-such-key'),
    ],
    /--backup-key-file: cannot read .*no-such-key \(ENOENT\)/,
  ],
  [
    '--restore onto a managed cluster',
    () => [
      'create',
      'cluster',
      'dev',
      '--provider',
      'local',
      '--restore',
      'prod-20261207t060000z',
      '--backup-target',
      'file:///b',
    ],
    /--restore: dev is a managed cluster/,
  ],
  [
    '--restore of a backup that is not at the target',
    () => [
      'create',
      'cluster',
      '-f',
      sshFile('restore-embedded.yaml', {}),
      '--restore',
      'prod-20261207t060000z',
      '--backup-target',
      'file:///b',
    ],
    /--restore: no backup prod-20261207t060000z at file:\/\/\/b/,
  ],
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

  it.each([
    [
      'KSCTL_SSH_WAIT_SECONDS',
      'forever',
      /KSCTL_SSH_WAIT_SECONDS: must be whole seconds from 1 to 3600, got "forever"/,
    ],
    ['KSCTL_HOME', `/tmp/${'x'.repeat(5000)}`, /KSCTL_HOME: must be a path of at most 4096 characters/],
    ['KSCTL_SUDO_PASSWORD', 'two\nlines', /KSCTL_SUDO_PASSWORD: must be one line/],
  ])('%s out of bounds → exit 2 naming the variable', async (name, value, message) => {
    const r = await ksctl(['create', 'cluster', 'dev', '--provider', 'local', '--dry-run'], {
      ...sb.env,
      [name]: value,
    });
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('two\nlines');
    expect(r.code).toBe(2);
  });

  it('reports every problem at once, each with its path and flag', async () => {
    const r = await ksctl(
      [
        'create',
        'cluster',
        'Bad',
        '--provider',
        'aws',
        '--type',
        'selfmanaged',
        '--region',
        'mars-1',
        '--etcd',
        '2',
        '--workers',
        '-1',
      ],
      sb.env,
    );
    expect(r.code).toBe(2);
    for (const field of ['name', 'spec.region', 'spec.etcd.count', 'spec.workers.count'])
      expect(r.stderr).toContain(`  ${field}`);
  });
});
