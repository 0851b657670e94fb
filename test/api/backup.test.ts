/** Backup input (target URLs, --keep, names) and the restore preflight's verdicts, without a cluster. */
import { describe, expect, it } from 'vitest';
import { checkBundleName, formatBackupTarget, parseBackupTarget, parseKeep } from '../../src/api/backup.js';
import { packBundle, unpackBundle } from '../../src/backup/bundle.js';
import type { BackupManifest } from '../../src/backup/manifest.js';
import { InputError } from '../../src/errors.js';
import { backupRunName, newBackupName, pendingBackup, pendingRestore } from '../../src/managers/backup/pending.js';
import { assertRestorable, clusterShape } from '../../src/managers/backup/shape.js';
import type { ClusterState } from '../../src/state/types.js';

describe('parseBackupTarget', () => {
  it.each([
    ['file:///var/backups/ksctl', { kind: 'file', dir: '/var/backups/ksctl' }],
    ['/var/backups/ksctl/', { kind: 'file', dir: '/var/backups/ksctl' }],
    ['s3://my-bucket', { kind: 's3', bucket: 'my-bucket', prefix: '' }],
    ['s3://my.bucket/team/prod/', { kind: 's3', bucket: 'my.bucket', prefix: 'team/prod' }],
    ['az://acct1/backups/x', { kind: 'azure', account: 'acct1', container: 'backups', prefix: 'x' }],
    ['gs://my_bucket/a=b', { kind: 'gcs', bucket: 'my_bucket', prefix: 'a=b' }],
  ])('%s', (url, want) => {
    const t = parseBackupTarget(url);
    expect(t).toEqual(want);
    expect(parseBackupTarget(formatBackupTarget(t))).toEqual(t);
  });

  it.each([
    ['', /must not be empty/],
    ['backups', /is not a target URL/],
    ['file://relative', /absolute path/],
    ['file:///a/../b', /must not contain "\.\."/],
    ['s3://UPPER', /not an S3 bucket name/],
    ['s3://ab', /not an S3 bucket name/],
    ['s3://key:secret@bucket/x', /credentials and ports do not go in the URL/],
    ['s3://bucket/../x', /prefix segment "\.\."/],
    ['s3://bucket/a b', /is not a target URL|prefix segment/],
    ['az://acct1', /not an Azure Blob container name/],
    ['az://Acct/c0n/x', /not an Azure storage account name/],
    ['az://acct1/bad--name', /not an Azure Blob container name/],
    ['gs://-x-/p', /not a GCS bucket name/],
    ['ftp://host/x', /unknown scheme "ftp:\/\/"/],
  ])('%s is refused (exit 2, naming --target)', (url, msg) => {
    let err: unknown;
    try {
      parseBackupTarget(url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).fields).toEqual(['--target']);
    expect((err as Error).message).toMatch(msg);
  });
});

describe('--keep and names', () => {
  it.each([
    ['1', 1],
    ['30', 30],
    ['1000', 1000],
  ])('--keep %s', (raw, n) => expect(parseKeep(raw)).toBe(n));
  it.each(['0', '-1', '1001', '1.5', 'x', ''])('--keep %s is refused', (raw) =>
    expect(() => parseKeep(raw)).toThrow(/--keep/),
  );
  it('names made by create pass the check; others do not', () => {
    const name = newBackupName('prod-1', new Date('2026-12-07T05:06:07.123Z'));
    expect(name).toBe('prod-1-20261207t050607z');
    expect(checkBundleName(name)).toBe(name);
    for (const bad of ['../x', 'prod', 'Prod-20261207t050607z', 'prod-20261207t050607z.json'])
      expect(() => checkBundleName(bad)).toThrow(InputError);
  });
});

describe('bundle plaintext layout', () => {
  it('packs and unpacks files and secrets; truncation is detected', () => {
    const c = { files: { 'snapshot.db': Buffer.from([1, 2, 3, 0, 255]) }, secrets: { 'k3s-token': 'abc' } };
    const b = packBundle(c);
    const back = unpackBundle(b);
    expect(back.secrets).toEqual(c.secrets);
    expect(back.files['snapshot.db']!.equals(c.files['snapshot.db'])).toBe(true);
    expect(() => unpackBundle(b.subarray(0, b.length - 1))).toThrow(/truncated/);
  });
});

function state(over: Partial<ClusterState['spec']> = {}): ClusterState {
  return {
    id: { provider: 'ssh', region: 'default', name: 'prod' },
    spec: {
      distribution: 'k3s',
      etcd: { count: 3, size: '' },
      controlPlane: { count: 2, size: '' },
      kubernetesVersion: '1.37',
      ...over,
    },
    versions: { kubernetes: 'v1.37.2' },
    steps: [],
  } as unknown as ClusterState;
}

describe('restore preflight', () => {
  const shape = clusterShape(state());
  const manifest = {
    name: 'prod-20261207t050607z',
    cluster: { provider: 'ssh', region: 'default', name: 'prod' },
    shape,
    keyFingerprint: 'f00',
  } as BackupManifest;
  it('reads the shape: external etcd members or control planes (k3s embedded, kubeadm stacked), Kubernetes minor', () => {
    expect(shape).toEqual({ distribution: 'k3s', etcd: 'external', members: 3, kubernetes: '1.37' });
    expect(clusterShape(state({ etcd: { count: 0, size: '' }, distribution: 'kubeadm' }))).toEqual({
      distribution: 'kubeadm',
      etcd: 'stacked',
      members: 2,
      kubernetes: '1.37',
    });
    expect(clusterShape(state({ etcd: { count: 0, size: '' } }))).toMatchObject({ etcd: 'embedded', members: 2 });
  });
  it.each([
    [
      'another cluster',
      { ...manifest, cluster: { ...manifest.cluster, name: 'staging' } },
      'f00',
      /belongs to cluster staging/,
    ],
    [
      'another distribution',
      { ...manifest, shape: { ...shape, distribution: 'kubeadm' } },
      'f00',
      /another shape .*distribution differ/,
    ],
    ['another member count', { ...manifest, shape: { ...shape, members: 5 } }, 'f00', /members differ/],
    ['another etcd kind', { ...manifest, shape: { ...shape, etcd: 'stacked' } }, 'f00', /stacked etcd .*etcd differ/],
    ['another minor', { ...manifest, shape: { ...shape, kubernetes: '1.36' } }, 'f00', /kubernetes differ/],
    ['no key', manifest, undefined, /has no backup key/],
    ['another key', manifest, 'bad', /encrypted with another key/],
  ])('%s: exit 2', (_what, m, fp, msg) => {
    expect(() => assertRestorable(m as BackupManifest, state(), fp)).toThrow(msg);
  });
  it('accepts its own bundle', () => expect(() => assertRestorable(manifest, state(), 'f00')).not.toThrow());
});

describe('pending operations (resume after a crash)', () => {
  const steps = (ids: [string, string][]) =>
    ({ steps: ids.map(([id, status]) => ({ id, status })) }) as unknown as ClusterState;
  it('finds an unfinished backup or restore, and none once finished', () => {
    expect(
      pendingBackup(
        steps([
          ['backup/p-1/snapshot', 'done'],
          ['backup/p-1/upload', 'interrupted'],
        ]),
      ),
    ).toBe('p-1');
    expect(
      pendingBackup(
        steps([
          ['backup/p-1/snapshot', 'done'],
          ['backup/p-1/finish', 'done'],
        ]),
      ),
    ).toBeUndefined();
    expect(
      pendingRestore(
        steps([
          ['restore/t1/fetch/p-1', 'done'],
          ['restore/t1/member/e0', 'failed'],
        ]),
      ),
    ).toEqual({ tag: 't1', bundle: 'p-1' });
    expect(
      pendingRestore(
        steps([
          ['restore/t1/fetch/p-1', 'done'],
          ['restore/t1/cleanup', 'done'],
        ]),
      ),
    ).toBeUndefined();
  });

  it("a second backup in the same second gets its own name (its steps are not the first one's)", () => {
    const now = new Date('2026-12-07T16:40:54.500Z');
    const first = newBackupName('bk', now);
    const done = steps([
      [`backup/${first}/snapshot`, 'done'],
      [`backup/${first}/upload`, 'done'],
      [`backup/${first}/finish`, 'done'],
    ]);
    const second = backupRunName(done, 'bk', now);
    expect(second).toBe(`${first}-0001`);
    expect(checkBundleName(second)).toBe(second);
    const third = backupRunName(
      steps([
        ...done.steps.map((s) => [s.id, s.status] as [string, string]),
        [`backup/${second}/snapshot`, 'done'],
        [`backup/${second}/finish`, 'done'],
      ]),
      'bk',
      now,
    );
    expect(third).toBe(`${first}-0002`);
    expect([third, first, second].sort()).toEqual([first, second, third]);
    expect(backupRunName(steps([]), 'bk', now)).toBe(first);
    // An unfinished one is resumed, whatever the time.
    expect(backupRunName(steps([[`backup/${first}/snapshot`, 'done']]), 'bk', new Date())).toBe(first);
  });
});

describe('checkStorage (before any SDK loads)', () => {
  it('refuses an Azure target whose account differs from AZURE_STORAGE_CONNECTION_STRING', async () => {
    const { checkStorage } = await import('../../src/backup/targets/index.js');
    const env = { AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=other;AccountKey=x' };
    expect(() => checkStorage(parseBackupTarget('az://mine/c0n'), env)).toThrow(
      /account "mine" differs from AZURE_STORAGE_CONNECTION_STRING's account "other"/,
    );
    expect(() => checkStorage(parseBackupTarget('az://other/c0n'), env)).not.toThrow();
    expect(() => checkStorage(parseBackupTarget('s3://bucket'), env)).not.toThrow();
  });
});
