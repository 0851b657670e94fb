/**
 * `backup create` as a recorded plan: snapshot one healthy etcd member (external etcd: etcdctl over TLS
 * on the member, checked with etcdutl; k3s embedded etcd: `k3s etcd-snapshot save` on a server, whose
 * server token is kept too), pulled back over SFTP → encrypt and upload the bundle and its manifest →
 * retention. Each step is an ensure: a re-run after a crash resumes the same backup by name.
 */
import { createHash } from 'node:crypto';
import type { BackupManifest } from '../../backup/manifest.js';
import { MANIFEST_FORMAT } from '../../backup/manifest.js';
import { packBundle } from '../../backup/bundle.js';
import { encrypt, keyFingerprint } from '../../backup/crypto.js';
import { boundFields, deleteBackup, readManifest, saveBackup } from '../../backup/repository.js';
import type { BackupStorage } from '../../backup/targets/types.js';
import { TOKEN_SECRETS } from '../../distro/cluster-secrets.js';
import { privateAddress } from '../../distro/controllers/types.js';
import { k3sSnapshotScript } from '../../distro/scripts/k3s-backup.js';
import { stackedSnapshotScript } from '../../distro/scripts/kubeadm-etcd-backup.js';
import { K3S_SERVER_TOKEN_PATH } from '../../distro/scripts/k3s.js';
import { SECRET_NAMES } from '../../distro/pki/names.js';
import { runScript } from '../../distro/runner.js';
import {
  SNAPSHOT_DIR,
  SNAPSHOT_RESULT,
  etcdSnapshotScript,
  snapshotCleanupScript,
} from '../../distro/scripts/etcd-backup.js';
import { ProviderError } from '../../errors.js';
import type { Step } from '../../pipeline/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import { clusterShape } from './shape.js';
import { KUBEADM_KEPT_FILES, keepKubeadmKeys } from './stacked-keys.js';
import type { Staging } from './staging.js';

/** Secret store entries a restore needs besides the data, when the cluster has them. */
export const BUNDLED_SECRETS = [
  SECRET_NAMES.etcdCaCert,
  SECRET_NAMES.etcdCaKey,
  SECRET_NAMES.etcdClientCert,
  SECRET_NAMES.etcdClientKey,
  SECRET_NAMES.kubernetesCaCert,
  SECRET_NAMES.kubernetesCaKey,
  TOKEN_SECRETS.k3sToken,
  TOKEN_SECRETS.k3sServerToken,
  'k3s-ca-hash',
  ...Object.keys(KUBEADM_KEPT_FILES),
];

interface SnapshotFacts {
  sha256: string;
  size: number;
  /** From `etcdutl snapshot status` (external etcd); k3s servers have no etcdutl to tell them. */
  revision?: number;
  totalKeys?: number;
  hash?: number;
  member: string;
}

export interface CreateInput {
  name: string;
  /** Opened while the snapshot is taken (the SDK loads meanwhile); `url` names it until then. */
  storage: Promise<BackupStorage>;
  url: string;
  staging: Staging;
  key: () => Promise<Buffer>;
  keep?: number;
  /** Set by the upload step: the manifest it stored (this run's result without reading it back). */
  made?: BackupManifest;
  /** Set by the snapshot step: the snapshot this run took, handed to the upload step in memory. */
  taken?: { data: Buffer; facts: SnapshotFacts };
}

function parseSnapshotLine(out: string, member: string): SnapshotFacts {
  const line = out
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(`${SNAPSHOT_RESULT} `));
  if (!line) throw new ProviderError(`etcd snapshot on ${member} printed no result`);
  const [, sum, ...json] = line.split(' ');
  const st = JSON.parse(json.join(' ')) as { hash?: number; revision?: number; totalKey?: number; totalSize: number };
  return {
    sha256: sum!,
    size: st.totalSize,
    ...(st.revision !== undefined ? { revision: st.revision, totalKeys: st.totalKey ?? 0, hash: st.hash ?? 0 } : {}),
    member,
  };
}

/**
 * The snapshot staged on this machine, taking one when it is missing or damaged: from the first etcd
 * member that is healthy (part of the quorum, so not stale) and gives one.
 */
async function stagedSnapshot(
  inp: CreateInput,
  ctx: BootstrapContext,
): Promise<{ data: Buffer; facts: SnapshotFacts }> {
  if (inp.taken) return inp.taken; // this run took it: no second read and hash of the staged copy
  const file = `${inp.name}.db`;
  const have = await stagedFacts(inp);
  const data = have && (await inp.staging.readChecked(file, have.sha256));
  if (have && data) return { data, facts: have };
  const errors: string[] = [];
  // Embedded etcd (k3s) and kubeadm's stacked etcd: a member on every control plane.
  const embedded = ctx.spec.etcd.count === 0;
  const stacked = embedded && ctx.distro.name === 'kubeadm';
  for (const m of ctx.machinesOf(embedded ? 'controlplane' : 'etcd')) {
    const session = await ctx.session(m).catch((e: Error) => {
      errors.push(`${m.name}: ${e.message.split('\n')[0]}`);
      return undefined;
    });
    if (!session) continue;
    let facts: SnapshotFacts;
    try {
      const script = stacked
        ? stackedSnapshotScript({ member: m.name, file })
        : embedded
          ? k3sSnapshotScript({ member: m.name, file })
          : etcdSnapshotScript({ member: m.name, file });
      const out = await runScript(session, script, {
        secrets: ctx.cluster.secrets,
        signal: ctx.signal,
        onLine: (l) => ctx.log.child(m.name).info(l),
      });
      facts = parseSnapshotLine(out, m.name);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      errors.push(`${m.name}: ${(e as Error).message.split('\n')[0]}`);
      ctx.log.warn(`no snapshot from ${m.name}; trying the next member`);
      continue;
    }
    const data = await session.download(`${SNAPSHOT_DIR}/${file}`, { sudo: true });
    const got = createHash('sha256').update(data).digest('hex');
    if (got !== facts.sha256)
      throw new ProviderError(
        `snapshot from ${m.name} changed in transit (SHA-256 ${got}, member says ${facts.sha256})`,
      );
    facts.size = data.length;
    if (stacked) await keepKubeadmKeys(session, ctx.cluster.secrets);
    if (embedded && !stacked) {
      // The server token decrypts k3s's bootstrap data inside the snapshot: a restore needs this one.
      const token = (await session.download(K3S_SERVER_TOKEN_PATH, { sudo: true })).toString('utf8').trim();
      await ctx.cluster.secrets.put(TOKEN_SECRETS.k3sServerToken, token);
    }
    // Staged here (for a re-run after a crash) while the member's copy is removed: side by side.
    const staging = inp.staging.write(file, data).then(() => inp.staging.write(`${file}.json`, JSON.stringify(facts)));
    staging.catch(() => undefined); // awaited below, after the cleanup
    await runScript(session, snapshotCleanupScript(file), { secrets: ctx.cluster.secrets, signal: ctx.signal });
    await staging;
    ctx.log.info(
      `snapshot of ${m.name} (${privateAddress(m)}): ${facts.revision !== undefined ? `revision ${facts.revision}, ${facts.totalKeys} keys, ` : ''}${facts.size} bytes`,
    );
    inp.taken = { data, facts };
    return inp.taken;
  }
  throw new ProviderError(`no healthy etcd member gave a snapshot: ${errors.join('; ')}`);
}

async function stagedFacts(inp: CreateInput): Promise<SnapshotFacts | undefined> {
  const raw = await inp.staging.read(`${inp.name}.db.json`);
  try {
    return raw ? (JSON.parse(raw.toString('utf8')) as SnapshotFacts) : undefined;
  } catch {
    return undefined; // torn by a crash: taken again
  }
}

function snapshotStep(inp: CreateInput): Step<BootstrapContext> {
  return {
    id: `backup/${inp.name}/snapshot`,
    title:
      'etcd snapshot from a healthy member (etcdctl over TLS and etcdutl status, or k3s etcd-snapshot save), fetched over SFTP',
    needs: [],
    details: { file: `${SNAPSHOT_DIR}/${inp.name}.db` },
    run: async (ctx) => void (await stagedSnapshot(inp, ctx)),
  };
}

function uploadStep(inp: CreateInput, needs: string[]): Step<BootstrapContext> {
  return {
    id: `backup/${inp.name}/upload`,
    title: `Encrypt (AES-256-GCM) and upload the bundle to ${inp.url}`,
    needs,
    async run(ctx) {
      // Uploading again after a crash is harmless: the same names, overwritten whole, manifest last.
      const { data: snapshot, facts } = await stagedSnapshot(inp, ctx);
      const secrets: Record<string, string> = {};
      for (const n of BUNDLED_SECRETS) {
        const v = await ctx.cluster.secrets.get(n);
        if (v !== undefined) secrets[n] = v;
      }
      const key = await inp.key();
      const st = ctx.cluster.state!;
      const head = { name: inp.name, cluster: st.id, shape: clusterShape(st), createdAt: new Date().toISOString() };
      const sealed = encrypt(key, packBundle({ files: { 'snapshot.db': snapshot }, secrets }), boundFields(head));
      const manifest: BackupManifest = {
        format: MANIFEST_FORMAT,
        ...head,
        ...(st.uid ? { clusterUid: st.uid } : {}),
        size: sealed.length,
        sha256: createHash('sha256').update(sealed).digest('hex'),
        snapshot: {
          size: facts.size,
          ...(facts.revision !== undefined
            ? { revision: facts.revision, totalKeys: facts.totalKeys ?? 0, hash: facts.hash ?? 0 }
            : {}),
          member: facts.member,
        },
        encryption: 'AES-256-GCM',
        keyFingerprint: keyFingerprint(key),
      };
      await saveBackup(await inp.storage, manifest, sealed);
      inp.made = manifest;
    },
  };
}

function finishStep(inp: CreateInput, needs: string[]): Step<BootstrapContext> {
  return {
    id: `backup/${inp.name}/finish`,
    title: inp.keep
      ? `Keep the newest ${inp.keep} backups of this cluster; remove the staged snapshot`
      : 'Remove the staged snapshot',
    needs,
    async run(ctx: BootstrapContext) {
      if (inp.keep) {
        // Names carry the cluster and the time, so only the manifests of deletion candidates are read
        // (each confirms the cluster's provider and region before its backup goes).
        const id = ctx.cluster.id;
        const storage = await inp.storage;
        const mine = (await storage.list())
          .filter((k) => k.endsWith('.json'))
          .map((k) => k.slice(0, -'.json'.length))
          .filter((n) => n.replace(/-\d{8}t\d{6}z(-[0-9a-f]{4})?$/, '') === id.name)
          .sort();
        for (const name of mine.slice(0, Math.max(0, mine.length - inp.keep))) {
          const m = await readManifest(storage, name).catch(() => undefined);
          if (!m || m.cluster.provider !== id.provider || m.cluster.region !== id.region || m.cluster.name !== id.name)
            continue;
          ctx.log.info(`retention: deleting ${name}`);
          await deleteBackup(storage, name);
        }
      }
      await inp.staging.remove(`${inp.name}.`);
    },
  };
}

export function backupCreateSteps(inp: CreateInput): Step<BootstrapContext>[] {
  const snap = snapshotStep(inp);
  const up = uploadStep(inp, [snap.id]);
  return [snap, up, finishStep(inp, [up.id])];
}
