/**
 * Backup and restore of a cloud e2e file's cluster (test/e2e/{aws,azure,gcp}-selfmanaged.test.ts) to
 * that cloud's own object store, on its emulator: S3 on moto's server, Azure Blob on Azurite, GCS on
 * fake-gcs-server (test/helpers/moto.ts, storage-emulators.ts). ksctl reaches the store as a user's
 * would, through the SDK's default chain and the environment docs/backups.md names; the test reads
 * the store back through the same SDK, unfiltered (every object name, every byte).
 * One round trip on the cluster the file already made (no cluster of its own: CI's time budget):
 * objects written through the API, `backup create` to the store, the API changed, `backup list`, a
 * planted backup of another cluster refused, `backup restore`, the API serving the backed-up state,
 * `certs check` reading the cluster's certificates; no secret in any output, log or object name.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { BackupManifest } from '../../src/backup/manifest.js';
import type { CertReport } from '../../src/managers/certs/status.js';
import type { FakeCloud } from '../fakes/build.js';
import { kubectl, type CliResult } from './cli.js';
import type { CloudCluster } from './cloud-e2e.js';
import { startMoto } from './moto.js';
import { TEST_MINOR } from './ssh-cluster.js';
import { startAzurite, startFakeGcs, type Emulator } from './storage-emulators.js';

type Ksctl = (args: string[], env: NodeJS.ProcessEnv) => Promise<CliResult>;

/** A cloud's object store on its emulator, with one bucket (container) made for the backups. */
export interface CloudStore {
  /** `--target` for backups under `prefix` (none: the store's default prefix). */
  target(prefix?: string): string;
  /** What a user sets for this store's SDK (endpoint, credentials); ksctl reads nothing else. */
  env: Record<string, string>;
  /** Credential values in `env`: they must not show up anywhere either. */
  credentials: string[];
  /** Every object in the bucket, full names, read through the cloud's SDK. */
  objects(): Promise<Map<string, Buffer>>;
  put(name: string, data: Buffer): Promise<void>;
  stop(): Promise<void>;
}

const BUCKET = 'ksctl-backups';
const PREFIX = 'clusters';

/** S3 on moto's server: the AWS SDK's default chain (env credentials), AWS_ENDPOINT_URL_S3 for the endpoint. */
export async function motoStore(region: string): Promise<CloudStore> {
  const moto = await startMoto(region);
  const { S3Client, CreateBucketCommand, ListObjectsV2Command, GetObjectCommand, PutObjectCommand } =
    await import('@aws-sdk/client-s3');
  const credentials = { accessKeyId: 'AKIAMOTOBACKUPS', secretAccessKey: 'moto-secret-for-backups' };
  const s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true, region, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  return {
    target: (prefix = PREFIX) => `s3://${BUCKET}/${prefix}`,
    env: {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: region,
      AWS_ENDPOINT_URL_S3: moto.endpoint,
    },
    credentials: [credentials.secretAccessKey],
    async objects() {
      const out = new Map<string, Buffer>();
      const list = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      for (const o of list.Contents ?? []) {
        const body = (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }))).Body!;
        out.set(o.Key!, Buffer.from(await body.transformToByteArray()));
      }
      return out;
    },
    async put(name, data) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: name, Body: data }));
    },
    stop: () => moto.stop(),
  };
}

/** Azure Blob on Azurite: AZURE_STORAGE_CONNECTION_STRING, as Azure's own tools read it. */
export async function azuriteStore(): Promise<CloudStore> {
  const azurite = await startAzurite();
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(BUCKET);
  await container.create();
  const account = /AccountName=([^;]+)/.exec(azurite.connectionString)![1]!;
  return {
    target: (prefix = PREFIX) => `az://${account}/${BUCKET}/${prefix}`,
    env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    credentials: [/AccountKey=([^;]+)/.exec(azurite.connectionString)![1]!],
    async objects() {
      const out = new Map<string, Buffer>();
      for await (const b of container.listBlobsFlat())
        out.set(b.name, await container.getBlockBlobClient(b.name).downloadToBuffer());
      return out;
    },
    async put(name, data) {
      await container.getBlockBlobClient(name).uploadData(data);
    },
    stop: () => azurite.stop(),
  };
}

/** GCS on fake-gcs-server: STORAGE_EMULATOR_HOST, as Google's clients read it (no credential needed). */
export async function fakeGcsStore(): Promise<CloudStore> {
  const gcs: Emulator = await startFakeGcs();
  const { Storage } = await import('@google-cloud/storage');
  const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: 'ksctl-test' });
  await storage.createBucket(BUCKET);
  const bucket = storage.bucket(BUCKET);
  return {
    target: (prefix = PREFIX) => `gs://${BUCKET}/${prefix}`,
    env: { STORAGE_EMULATOR_HOST: gcs.endpoint },
    credentials: [],
    async objects() {
      const out = new Map<string, Buffer>();
      for (const f of (await bucket.getFiles())[0]) out.set(f.name, (await f.download())[0]);
      return out;
    },
    async put(name, data) {
      await bucket.file(name).save(data, { resumable: false });
    },
    stop: () => gcs.stop(),
  };
}

/**
 * Every secret of the cluster (the files of its secrets directory but certificates, public keys and
 * k3s's CA hash, the public half of a k3s token that join scripts print), and the long lines of each
 * (PEM bodies), by the file they come from.
 */
function secretsOf(dir: string): [string, string][] {
  const out: [string, string][] = [];
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (/\.(crt|pub)$|^k3s-ca-hash$/.test(f) || !statSync(path.join(dir, f)).isFile()) continue;
    const text = readFileSync(path.join(dir, f), 'utf8').trim();
    if (text.length >= 16) out.push([f, text]);
    for (const line of text.split('\n')) if (line.length >= 40 && !line.startsWith('-----')) out.push([f, line.trim()]);
  }
  return out;
}

const configMap = async (env: NodeJS.ProcessEnv, ...args: string[]) =>
  kubectl(['--request-timeout', '20s', '-n', 'default', ...args], env);

export interface RoundTrip {
  provider: FakeCloud;
  region: string;
  store: CloudStore;
  /** How many calls the fake cloud has had: backup, restore and certs check make none. */
  cloudCalls: () => number;
}

/**
 * The round trip on cluster `c` (k3s over a 3-member external etcd) to `store`. Returns nothing;
 * every expectation names what failed with ksctl's output and log.
 */
export async function expectBackupRoundTrip(
  c: CloudCluster,
  ksctl: Ksctl,
  { provider, region, store, cloudCalls }: RoundTrip,
): Promise<void> {
  const env = { ...c.sb.env, ...store.env };
  const dir = path.join(c.sb.ksctlHome, 'clusters', provider, region, c.name);
  const state = () => readFileSync(path.join(dir, 'state.json'), 'utf8');
  const outputs: string[] = [];
  const run = async (args: string[]) => {
    const r = await ksctl(args, env);
    outputs.push(r.stdout, r.stderr);
    expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}\n${c.logTail()}`).toBe(0);
    return r;
  };
  expect((await ksctl(['switch', c.name], c.sb.env)).code).toBe(0);
  const callsBefore = cloudCalls();

  // The state to come back: a ConfigMap written through the API (the load balancer, then an API server, then etcd).
  expect((await configMap(env, 'create', 'configmap', 'before-backup', '--from-literal=v=kept')).code).toBe(0);
  const made = await run(['backup', 'create', c.name, '--target', store.target(), '-o', 'json']);
  const m = JSON.parse(made.stdout) as BackupManifest;
  expect(m.name).toMatch(new RegExp(`^${c.name}-\\d{8}t\\d{6}z$`));
  expect(m.cluster).toEqual({ provider, region, name: c.name });
  expect(m.shape).toEqual({ distribution: 'k3s', etcd: 'external', members: 3, kubernetes: TEST_MINOR });
  expect(m.snapshot.member).toBe(`${c.name}-etcd-0`); // the first healthy member, by its machine name

  // In the bucket: exactly the bundle and its manifest, under the prefix; the bundle is sealed.
  const objects = await store.objects();
  expect([...objects.keys()].sort()).toEqual([`${PREFIX}/${m.name}.json`, `${PREFIX}/${m.name}.ksb`]);
  const bundle = objects.get(`${PREFIX}/${m.name}.ksb`)!;
  expect(bundle.length).toBe(m.size);
  expect(bundle.includes(Buffer.from('before-backup'))).toBe(false);
  expect(bundle.includes(Buffer.from('BEGIN'))).toBe(false);

  // Then the API changes: a new object, and the backed-up one deleted.
  expect((await configMap(env, 'create', 'configmap', 'after-backup', '--from-literal=v=later')).code).toBe(0);
  expect((await configMap(env, 'delete', 'configmap', 'before-backup')).code).toBe(0);

  const list = await run(['backup', 'list', c.name, '--target', store.target(), '-o', 'json']);
  const listed = JSON.parse(list.stdout) as { target: string; backups: BackupManifest[] };
  expect(listed.target).toBe(store.target());
  expect(listed.backups.map((b) => b.name)).toEqual([m.name]);
  expect((await run(['backup', 'list', c.name, '--target', store.target()])).stdout).toContain(m.name);

  // A backup of another cluster (the same name in another region, in the same bucket): refused, nothing changed.
  const other = 'other-region';
  const foreign = JSON.parse(objects.get(`${PREFIX}/${m.name}.json`)!.toString('utf8')) as BackupManifest;
  foreign.cluster = { ...foreign.cluster, region: 'elsewhere-1' };
  await store.put(`${other}/${m.name}.json`, Buffer.from(JSON.stringify(foreign)));
  await store.put(`${other}/${m.name}.ksb`, bundle);
  const before = state();
  const refused = await ksctl(['backup', 'restore', c.name, m.name, '--target', store.target(other)], env);
  outputs.push(refused.stdout, refused.stderr);
  expect(refused.code, refused.stderr).toBe(2);
  expect(refused.stderr).toContain(
    `belongs to cluster ${c.name} (${provider}/elsewhere-1), not ${c.name} (${provider}/${region})`,
  );
  expect(state()).toBe(before);
  expect((await configMap(env, 'get', 'configmap', 'after-backup', '-o', 'name')).code).toBe(0);

  await run(['backup', 'restore', c.name, m.name, '--target', store.target()]);
  const kept = await configMap(env, 'get', 'configmap', 'before-backup', '-o', 'jsonpath={.data.v}');
  expect(kept.code, kept.stderr).toBe(0);
  expect(kept.stdout).toBe('kept');
  const gone = await configMap(env, 'get', 'configmap', 'after-backup', '-o', 'name');
  expect(gone.code).not.toBe(0);
  expect(gone.stderr).toMatch(/NotFound/);
  expect((JSON.parse(state()) as { phase: string }).phase).toBe('ready');

  // certs check reads the certificates ksctl issued: each member's is the one its machine serves.
  const certs = await run(['certs', 'check', c.name, '-o', 'json']);
  const reports = (JSON.parse(certs.stdout) as { certificates: CertReport[] }).certificates;
  const members = [0, 1, 2].map((i) => `${c.name}-etcd-${i}`);
  // k3s makes its own Kubernetes CAs: ksctl issues none.
  expect(reports.map((r) => r.id).sort()).toEqual(
    ['etcd-ca', 'etcd-apiserver-client', ...members.flatMap((n) => [`etcd-server/${n}`, `etcd-peer/${n}`])].sort(),
  );
  for (const r of reports) expect(r, r.id).toMatchObject({ status: 'ok', keyMatches: true });
  for (const n of members) {
    const host = c.set.hosts[c.names.indexOf(n)]!;
    expect(reports.find((r) => r.id === `etcd-server/${n}`)!.sans).toContain(host.address);
    const served = (await host.exec('cat /etc/etcd/pki/server.crt')).stdout.trim();
    expect(served, n).toBe(readFileSync(path.join(dir, 'secrets', `etcd-${n}-server.crt`), 'utf8').trim());
  }

  // Everything went over SSH and to the store: not one call to the cloud's API.
  expect(cloudCalls()).toBe(callsBefore);

  // No secret of the cluster or the store in any output, the log or an object name.
  const texts: [string, string][] = [
    ...outputs.map((t, i): [string, string] => [`ksctl output #${i}`, t]),
    ['ksctl.log', readFileSync(path.join(dir, 'ksctl.log'), 'utf8')],
    ['object names', [...(await store.objects()).keys()].join('\n')],
  ];
  const secrets = [
    ...secretsOf(path.join(dir, 'secrets')),
    ...store.credentials.map((v): [string, string] => ['store', v]),
  ];
  for (const [from, s] of secrets)
    for (const [where, t] of texts) expect(t.includes(s), `${where} holds (part of) secret ${from}`).toBe(false);
  for (const t of outputs) expect(t).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
}
