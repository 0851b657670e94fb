/**
 * `create cluster --restore`: the flags, the preflight over a real bundle in a local target (sealed by
 * the same functions `backup create` uses), the lock-time check of an existing cluster, and where the
 * restore sits in create's graph. The whole thing on SSH test hosts: test/e2e/ssh-fresh-restore.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { parseRestoreFlags, readKeyFile } from '../../src/api/restore-flags.js';
import { clusterIdOf, type ClusterId } from '../../src/api/types.js';
import { packBundle } from '../../src/backup/bundle.js';
import { encrypt, keyFingerprint } from '../../src/backup/crypto.js';
import { BACKUP_KEY_SECRET } from '../../src/backup/key.js';
import { MANIFEST_FORMAT, type BackupManifest, type BackupShape } from '../../src/backup/manifest.js';
import { boundFields, bundleKey, saveBackup, sha256 } from '../../src/backup/repository.js';
import { LocalStorage } from '../../src/backup/targets/local.js';
import { InputError } from '../../src/errors.js';
import { kubeconfigTarget } from '../../src/kubeconfig/loading.js';
import { FreshRestore } from '../../src/managers/backup/fresh-restore.js';
import { BackupManager } from '../../src/managers/backup/manager.js';
import { assertRestoreFinished, forgetNodesId } from '../../src/managers/backup/fresh-restore-state.js';
import { freshRestoreSteps } from '../../src/managers/backup/fresh-restore-plan.js';
import { freshRestoreK3sSteps } from '../../src/managers/backup/fresh-restore-k3s.js';
import { restoreDoneId, restoreFetchId } from '../../src/managers/backup/restore-plan.js';
import { Staging } from '../../src/managers/backup/staging.js';
import type { ManagerDeps } from '../../src/managers/types.js';
import { waves } from '../../src/pipeline/graph.js';
import type { Step } from '../../src/pipeline/types.js';
import type { BootstrapContext } from '../../src/managers/selfmanaged/context.js';
import { newClusterState } from '../../src/state/new-state.js';
import type { StepRecord } from '../../src/state/types.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { silentLogger } from '../../src/util/log.js';
import { createSshProvider } from '../../src/cloud/ssh/index.js';
import { buildCreatePlan } from '../../src/managers/selfmanaged/plans/create.js';
import { describedSteps } from '../../src/managers/selfmanaged/dry-run.js';
import { planView } from '../../src/managers/selfmanaged/plan-view.js';
import { planSourceOf } from '../helpers/bootstrap.js';

let dir: string;
let deps: ManagerDeps;
const key = randomBytes(32);
const SHAPE: BackupShape = { distribution: 'k3s', etcd: 'external', members: 3, kubernetes: '1.37' };
const SOURCE: ClusterId = { provider: 'ssh', region: 'default', name: 'src' };
const SECRETS = { 'etcd-ca.crt': 'CA-CERT', 'etcd-ca.key': 'CA-KEY', 'k3s-token': 'the-token' };
const spec = (over: Record<string, unknown> = {}) =>
  applyDefaults({
    name: 'fresh',
    provider: 'ssh',
    type: 'selfmanaged',
    kubernetesVersion: '1.37',
    etcd: { count: 3 },
    ...over,
  });
const target = () => ({ kind: 'file' as const, dir: path.join(dir, 'backups') });

/** A backup of SOURCE at the local target, sealed as `backup create` seals one. */
async function sealed(name = 'src-20261207t060000z', k = key, shape = SHAPE): Promise<BackupManifest> {
  const head = { name, cluster: SOURCE, shape, createdAt: '2026-12-07T06:00:00.000Z' };
  const box = encrypt(
    k,
    packBundle({ files: { 'snapshot.db': Buffer.from('SNAPSHOT') }, secrets: SECRETS }),
    boundFields(head),
  );
  const m: BackupManifest = {
    format: MANIFEST_FORMAT,
    ...head,
    size: box.length,
    sha256: sha256(box),
    snapshot: { size: 8, member: 'etcd-0' },
    encryption: 'AES-256-GCM',
    keyFingerprint: keyFingerprint(k),
  };
  await saveBackup(new LocalStorage(target().dir, `file://${target().dir}`), m, box);
  return m;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-fresh-'));
  deps = {
    store: new LocalStateStore(path.join(dir, 'state')),
    log: silentLogger,
    kubeconfig: kubeconfigTarget(path.join(dir, 'kubeconfig'), {}),
    signal: new AbortController().signal,
    command: 'ksctl test',
  };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const refusal = async (p: Promise<unknown>): Promise<InputError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
};

describe('restore flags', () => {
  it('needs --backup-target with --restore, and neither other flag without it', async () => {
    expect(await parseRestoreFlags({})).toBeUndefined();
    expect((await refusal(parseRestoreFlags({ restore: 'src-20261207t060000z' }))).fields).toEqual(['--backup-target']);
    expect((await refusal(parseRestoreFlags({ backupTarget: 'file:///x' }))).message).toMatch(
      /--backup-target goes with --restore/,
    );
    expect((await refusal(parseRestoreFlags({ backupKeyFile: '/k' }))).fields).toEqual(['--backup-key-file']);
    expect((await refusal(parseRestoreFlags({ restore: 'Not A Name', backupTarget: 'file:///x' }))).fields).toEqual([
      '--restore',
    ]);
    expect(
      (await refusal(parseRestoreFlags({ restore: 'src-20261207t060000z', backupTarget: 'ftp://x' }))).fields,
    ).toEqual(['--backup-target']);
    const r = await parseRestoreFlags({ restore: 'src-20261207t060000z', backupTarget: 'file:///var/b' });
    expect(r).toEqual({ bundle: 'src-20261207t060000z', target: { kind: 'file', dir: '/var/b' } });
  });

  it('reads a key as secrets/backup-key holds it (hex) or raw, never echoing a bad one', async () => {
    const hex = path.join(dir, 'hex');
    writeFileSync(hex, `${key.toString('hex')}\n`);
    expect((await readKeyFile(hex)).equals(key)).toBe(true);
    const raw = path.join(dir, 'raw');
    writeFileSync(raw, key);
    expect((await readKeyFile(raw)).equals(key)).toBe(true);
    const bad = path.join(dir, 'bad');
    writeFileSync(bad, 'hunter2-secret\n');
    const e = await refusal(readKeyFile(bad));
    expect(e.message).toMatch(/does not hold a backup key/);
    expect(e.message).not.toContain('hunter2');
    expect((await refusal(readKeyFile(path.join(dir, 'missing')))).message).toMatch(/cannot read .*ENOENT/);
    expect((await refusal(readKeyFile(dir))).message).toMatch(/is not a file/);
  });
});

describe('FreshRestore.prepare (before any state or cloud call)', () => {
  it('opens a bundle of the same shape with the key given: its secrets and snapshot', async () => {
    const m = await sealed();
    const r = await FreshRestore.prepare(deps, spec(), { bundle: m.name, target: target(), key });
    expect(r.bundle.secrets).toEqual(SECRETS);
    expect(readFileSync(r.bundle.snapshot.path, 'utf8')).toBe('SNAPSHOT');
    expect((statSync(path.dirname(r.bundle.snapshot.path)).mode & 0o777).toString(8)).toBe('700');
    expect(r.manifest.cluster).toEqual(SOURCE);
  });

  it('takes the source cluster key from this machine when its state is here', async () => {
    const m = await sealed();
    const h = await deps.store.lock(SOURCE, 'test');
    await h.save(newClusterState(spec({ name: 'src' })));
    await h.secrets.put(BACKUP_KEY_SECRET, key.toString('hex'));
    h.release();
    const r = await FreshRestore.prepare(deps, spec(), { bundle: m.name, target: target() });
    expect(r.key.equals(key)).toBe(true);
  });

  it.each([
    [
      'an unknown backup',
      async () => ({ bundle: 'src-20200101t000000z', target: target(), key }),
      {},
      /--restore: no backup src-20200101t000000z/,
    ],
    [
      'no key anywhere',
      async () => ({ bundle: (await sealed()).name, target: target() }),
      {},
      /--backup-key-file is required: the state of src \(ssh\/default\)/,
    ],
    [
      'another key',
      async () => ({ bundle: (await sealed()).name, target: target(), key: randomBytes(32) }),
      {},
      /--backup-key-file: .* another key/,
    ],
    [
      'another member count',
      async () => ({ bundle: (await sealed()).name, target: target(), key }),
      { etcd: { count: 5 } },
      /members differ/,
    ],
    [
      'another minor',
      async () => ({ bundle: (await sealed()).name, target: target(), key }),
      { kubernetesVersion: '1.36' },
      /kubernetes differ/,
    ],
    [
      'an external-etcd backup for a spec with k3s embedded etcd',
      async () => ({ bundle: (await sealed()).name, target: target(), key }),
      { etcd: { count: 0 } },
      /another shape \(k3s, external etcd with 3 members.*than fresh asks for \(k3s, embedded etcd.*etcd differ/,
    ],
  ])('refuses %s (exit 2)', async (_what, req, over, msg) => {
    const e = await refusal(FreshRestore.prepare(deps, spec(over), await req()));
    expect(e.message).toMatch(msg);
    expect(e.exitCode).toBe(2);
    expect(e.message).not.toContain(key.toString('hex'));
  });

  it('refuses a file that is no ksctl manifest where the backup should be', async () => {
    const m = await sealed();
    writeFileSync(path.join(target().dir, `${m.name}.json`), '{"format":"something/else"}');
    const e = await refusal(FreshRestore.prepare(deps, spec(), { bundle: m.name, target: target(), key }));
    expect(e.message).toMatch(/--restore: .* not a ksctl\.io\/backup\/v1 or ksctl\.io\/backup\/v2 manifest/);
  });

  it('refuses a damaged bundle before anything is written', async () => {
    const m = await sealed();
    const file = path.join(target().dir, bundleKey(m.name));
    const b = readFileSync(file);
    b.writeUInt8(b.readUInt8(b.length - 1) ^ 1, b.length - 1);
    writeFileSync(file, b);
    const e = await refusal(FreshRestore.prepare(deps, spec(), { bundle: m.name, target: target(), key }));
    expect(e.message).toMatch(/does not match its manifest's size and SHA-256/);
  });
});

describe('FreshRestore under the lock', () => {
  it('resumes only its own restore; never another cluster or another backup', async () => {
    const r = await FreshRestore.prepare(deps, spec(), { bundle: (await sealed()).name, target: target(), key });
    const id = clusterIdOf(spec());
    const h = await deps.store.lock(id, 'test');
    try {
      await r.check(h); // new cluster: fine
      await h.save(newClusterState(spec()));
      expect((await refusal(r.check(h))).message).toMatch(/exists and was not made from a backup/);
      await h.save(r.record(newClusterState(spec())));
      await r.check(h);
      expect(h.state!.restoredFrom).toMatchObject({ bundle: r.manifest.name, cluster: SOURCE });
      // Seeding: the bundle's secrets and the source's key; existing ones kept, a different one refused.
      const steps = await r.steps(h, [], ['etcd-0', 'etcd-1', 'etcd-2']);
      expect(await h.secrets.get('etcd-ca.key')).toBe('CA-KEY');
      expect(await h.secrets.get(BACKUP_KEY_SECRET)).toBe(key.toString('hex'));
      const tag = h.state!.restoredFrom!.tag;
      expect(steps.map((s) => s.id)).toContain(forgetNodesId(tag));
      // The decrypted snapshot is staged where the restore's fetch step looks first.
      expect((await new Staging(h.dir).read(`restore-${tag}.db`))?.toString()).toBe('SNAPSHOT');
      // A resume without --restore is refused until the restore is over; then it is an ordinary create.
      expect(() => assertRestoreFinished(h.state)).toThrow(/run the same create with --restore src-20261207t060000z/);
      const st = h.state!;
      assertRestoreFinished({
        ...st,
        steps: [forgetNodesId(tag), restoreDoneId(tag)].map((id) => ({
          id,
          title: 'x',
          status: 'done' as const,
          startedAt: '',
          run: 1,
        })),
      });
      await h.secrets.put('k3s-token', 'another');
      expect((await refusal(r.check(h))).message).toMatch(/another secret "k3s-token"/);
      const other = await FreshRestore.prepare(deps, spec(), {
        bundle: (await sealed('src-20261208t060000z')).name,
        target: target(),
        key,
      });
      expect((await refusal(other.check(h))).message).toMatch(/being made from src-20261207t060000z/);
    } finally {
      h.release();
    }
  });
});

describe('backups of a cluster still being made from a backup', () => {
  it.each(['create', 'restore'] as const)('backup %s is refused (exit 2) until the restore is over', async (what) => {
    const r = await FreshRestore.prepare(deps, spec(), { bundle: (await sealed()).name, target: target(), key });
    const id = clusterIdOf(spec());
    const h = await deps.store.lock(id, 'test');
    await h.save({ ...r.record(newClusterState(spec())), phase: 'failed' });
    h.release();
    const mgr = new BackupManager(deps, () => Promise.reject(new Error('not needed before the refusal')));
    const run = what === 'create' ? mgr.create(id, {}) : mgr.restore(id, r.manifest.name, target());
    expect((await refusal(run)).message).toMatch(/is being made from backup src-20261207t060000z, unfinished/);
    expect((await deps.store.read(id))!.runs).toEqual([]);
  });
});

describe('the restore in create’s graph', () => {
  const step = (id: string, needs: string[] = []): Step<BootstrapContext> => ({
    id,
    title: id,
    needs,
    run: async () => {},
  });
  const create = [
    step('machine/etcd-0'),
    step('etcd/etcd-0', ['machine/etcd-0']),
    step('etcd/health', ['etcd/etcd-0']),
    step('controlplane/cp-0', ['etcd/health']),
    step('controlplane/cp-1', ['controlplane/cp-0']),
    step('kubeconfig', ['controlplane/cp-0']),
  ];
  it('restores etcd after it is healthy and before any control plane boots, with no API server to stop', async () => {
    const m = await sealed();
    const steps = freshRestoreSteps(create, {
      tag: 't1',
      manifest: m,
      storage: new LocalStorage(target().dir, 'file://x'),
      staging: new Staging(dir),
      key,
      etcd: ['etcd-0'],
      controlPlanes: [],
    });
    const wave = new Map(waves(steps).flatMap((w, i) => w.map((s) => [s.id, i] as const)));
    const order = (a: string, b: string) => expect(wave.get(a)!, `${a} before ${b}`).toBeLessThan(wave.get(b)!);
    expect(steps.some((s) => s.id.includes('stop-api') || s.id.includes('start-api'))).toBe(false);
    order('etcd/health', 'restore/t1/upload/etcd-0');
    order('restore/t1/upload/etcd-0', 'restore/t1/stop-etcd/etcd-0');
    order('restore/t1/stop-etcd/etcd-0', 'restore/t1/member/etcd-0');
    order('restore/t1/member/etcd-0', 'restore/t1/start-etcd/etcd-0');
    order('restore/t1/start-etcd/etcd-0', 'restore/t1/etcd-health');
    order('restore/t1/etcd-health', restoreDoneId('t1'));
    order(restoreDoneId('t1'), forgetNodesId('t1'));
    order(forgetNodesId('t1'), 'controlplane/cp-0');
    expect(steps.find((s) => s.id === 'controlplane/cp-1')!.needs).toContain(forgetNodesId('t1'));
    expect(wave.get(restoreFetchId('t1', m.name))).toBe(0);
  });

  it('k3s embedded: the first server installed but not started, reset from the snapshot, started, the source nodes forgotten, then every other node joins', async () => {
    const m = await sealed();
    const k3s = [
      step('secrets/distribution'),
      step('machine/cp-0'),
      step('lb/lb-0'),
      { ...step('controlplane/cp-0', ['machine/cp-0', 'lb/lb-0', 'secrets/distribution']), target: 'cp-0' },
      { ...step('controlplane/cp-1', ['controlplane/cp-0']), target: 'cp-1' },
      { ...step('controlplane/cp-2', ['controlplane/cp-1']), target: 'cp-2' },
      { ...step('worker/w-0', ['controlplane/cp-0']), target: 'w-0' },
      step('kubeconfig', ['controlplane/cp-0']),
    ];
    const steps = freshRestoreK3sSteps(k3s, {
      tag: 't2',
      manifest: { ...m, shape: { ...SHAPE, etcd: 'embedded' } },
      storage: new LocalStorage(target().dir, 'file://x'),
      staging: new Staging(dir),
      key,
      etcd: [],
      controlPlanes: [],
    });
    const wave = new Map(waves(steps).flatMap((w, i) => w.map((s) => [s.id, i] as const)));
    const order = (a: string, b: string) => expect(wave.get(a)!, `${a} before ${b}`).toBeLessThan(wave.get(b)!);
    for (const before of ['machine/cp-0', 'lb/lb-0', 'secrets/distribution']) order(before, 'restore/t2/install/cp-0');
    order('restore/t2/install/cp-0', 'restore/t2/upload/cp-0');
    order(restoreFetchId('t2', m.name), 'restore/t2/upload/cp-0');
    order('restore/t2/upload/cp-0', 'restore/t2/reset/cp-0');
    order('restore/t2/reset/cp-0', 'controlplane/cp-0');
    order('controlplane/cp-0', forgetNodesId('t2'));
    for (const join of ['controlplane/cp-1', 'controlplane/cp-2', 'worker/w-0']) order(forgetNodesId('t2'), join);
    order(forgetNodesId('t2'), restoreDoneId('t2'));
    expect(steps.filter((s) => s.target === 'cp-0' && s.id.startsWith('restore/')).map((s) => s.id)).toEqual([
      'restore/t2/install/cp-0',
      'restore/t2/upload/cp-0',
      'restore/t2/reset/cp-0',
      forgetNodesId('t2'),
    ]);
  });
});

const STACKED: BackupShape = { distribution: 'kubeadm', etcd: 'stacked', members: 2, kubernetes: '1.37' };
const stacked = (over: Record<string, unknown> = {}) =>
  spec({ distribution: 'kubeadm', etcd: { count: 0 }, controlPlane: { count: 2 }, ...over });

describe('the restore in create’s graph, kubeadm with stacked etcd', () => {
  it('passes the preflight for kubeadm stacked etcd of the same member count; refuses another count (exit 2)', async () => {
    const m = await sealed(undefined, key, STACKED);
    const r = await FreshRestore.prepare(deps, stacked(), { bundle: m.name, target: target(), key });
    expect(r.manifest.shape).toEqual(STACKED);
    const e = await refusal(
      FreshRestore.prepare(deps, stacked({ controlPlane: { count: 1 } }), { bundle: m.name, target: target(), key }),
    );
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/members differ/);
    // k3s without etcd machines (embedded) against this kubeadm stacked backup: another shape.
    const k3s = await refusal(
      FreshRestore.prepare(deps, spec({ etcd: { count: 0 } }), { bundle: m.name, target: target(), key }),
    );
    expect(k3s.message).toMatch(/distribution, etcd, members differ/);
  });

  const step = (id: string, needs: string[] = []): Step<BootstrapContext> => ({
    id,
    title: id,
    needs,
    run: async () => {},
  });
  const create = [
    step('secrets/distribution'),
    step('machine/cp-0'),
    step('machine/cp-1'),
    step('preflight/hosts', ['machine/cp-0', 'machine/cp-1']),
    step('controlplane/cp-0', ['machine/cp-0', 'secrets/distribution', 'preflight/hosts']),
    step('controlplane/cp-1', ['machine/cp-1', 'controlplane/cp-0']),
    step('worker/wp-0', ['controlplane/cp-0']),
    step('kubeconfig', ['controlplane/cp-0']),
  ];

  it('restores onto control plane 0 before its init; the others join after; cleanup after init', async () => {
    const m = await sealed(undefined, key, STACKED);
    const r = await FreshRestore.prepare(deps, stacked(), { bundle: m.name, target: target(), key });
    const steps = r.planned(create, []);
    const wave = new Map(waves(steps).flatMap((w, i) => w.map((s) => [s.id, i] as const)));
    const order = (a: string, b: string) => expect(wave.get(a)!, `${a} before ${b}`).toBeLessThan(wave.get(b)!);
    const t = '<tag>';
    order(restoreFetchId(t, m.name), forgetNodesId(t));
    order('preflight/hosts', forgetNodesId(t));
    order(forgetNodesId(t), 'controlplane/cp-0');
    order('controlplane/cp-0', 'controlplane/cp-1');
    order('controlplane/cp-0', restoreDoneId(t));
    // No external etcd steps, nothing stops an API server: kubeadm init starts the first one.
    expect(steps.filter((s) => /\/(member|stop-api|stop-etcd|upload)\//.test(s.id))).toEqual([]);
    expect(steps.find((s) => s.id === 'controlplane/cp-0')!.title).toMatch(/init onto the restored etcd/);
    expect(steps.filter((s) => s.id === 'controlplane/cp-0')).toHaveLength(1);
  });

  it('is unfinished until the cleanup after init, not just the seed', () => {
    const st = {
      ...newClusterState(spec()),
      restoredFrom: {
        bundle: 'src-20261207t060000z',
        target: 'file:///x',
        cluster: SOURCE,
        backupCreatedAt: '2026-12-07T06:00:00.000Z',
        tag: 't1',
      },
    };
    const done = (id: string): StepRecord => ({ id, title: id, status: 'done', run: 0, startedAt: st.createdAt });
    expect(() => assertRestoreFinished({ ...st, steps: [done(forgetNodesId('t1'))] })).toThrow(/unfinished/);
    expect(() =>
      assertRestoreFinished({ ...st, steps: [done(forgetNodesId('t1')), done(restoreDoneId('t1'))] }),
    ).not.toThrow();
  });
});

describe('create --restore --dry-run onto kubeadm with stacked etcd', () => {
  it('describes the seed before kubeadm init, and init keeping the restored data, without fetching the bundle', async () => {
    const keyFile = path.join(dir, 'id');
    writeFileSync(keyFile, 'not read by a dry run', { mode: 0o600 });
    const m = (name: string, role: string, address: string) => ({ name, role, address, user: 'root', keyFile });
    const s = stacked({
      machines: [
        m('lb', 'loadbalancer', '192.0.2.1'),
        m('cp0', 'controlplane', '192.0.2.10'),
        m('cp1', 'controlplane', '192.0.2.11'),
      ],
    });
    const sealedStacked = await sealed(undefined, key, STACKED);
    const r = await FreshRestore.prepare(deps, s, { bundle: sealedStacked.name, target: target(), key });
    const provider = createSshProvider();
    const source = planSourceOf(provider, 'kubeadm');
    const steps = await describedSteps(r.planned(buildCreatePlan(s, source), []), planView(s, provider, source.distro));
    const text = (id: string) => JSON.stringify(steps.find((x) => x.id === id)?.details ?? {});
    expect(text(forgetNodesId('<tag>'))).toBe('{}'); // runs its scripts itself (an upload between them)
    const init = text('controlplane/cp0');
    expect(init).toContain('kubeadm-fresh-restore-seed');
    expect(init.indexOf('kubeadm-fresh-restore-seed')).toBeLessThan(init.indexOf('kubeadm-init'));
    expect(init).toContain('DirAvailable--var-lib-etcd');
    expect(init).not.toContain('SNAPSHOT');
    // The normal create of the same spec neither seeds nor ignores the check.
    const plain = await describedSteps(buildCreatePlan(s, source), planView(s, provider, source.distro));
    const plainInit = JSON.stringify(plain.find((x) => x.id === 'controlplane/cp0')!.details);
    expect(plainInit).not.toContain('kubeadm-fresh-restore-seed');
    expect(plainInit).not.toContain('DirAvailable');
  });
});
