/**
 * `backup create` as a recorded plan: snapshot one healthy etcd member (external etcd: etcdctl over TLS
 * on the member, checked with etcdutl; k3s embedded etcd: `k3s etcd-snapshot save` on a server, whose
 * server token is kept too), streamed over SSH, encrypted and uploaded as it arrives (the bundle) →
 * the manifest → retention. Each step is an ensure: a re-run after a crash resumes the same backup by name.
 */
import type { BackupManifest } from '../../backup/manifest.js';
import { MANIFEST_FORMAT } from '../../backup/manifest.js';
import { keyFingerprint } from '../../backup/crypto.js';
import { boundFields, bundleKey, deleteBackup, readManifest, saveManifest } from '../../backup/repository.js';
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
  SNAPSHOT_READY,
  SNAPSHOT_RESULT,
  etcdSnapshotScript,
  snapshotCleanupScript,
} from '../../distro/scripts/etcd-backup.js';
import { ProviderError } from '../../errors.js';
import type { Step } from '../../pipeline/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import { clusterShape } from './shape.js';
import { KUBEADM_KEPT_SECRETS, ensureKubeadmKeys, keepKubeadmKeys } from './kubeadm-keys.js';
import type { Staging } from './staging.js';
import { streamSnapshot, type Streamed } from './transfer.js';

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
  ...KUBEADM_KEPT_SECRETS,
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
  /**
   * Opened while the snapshot is taken (the SDK loads meanwhile); `url` names it until then. May be
   * lazy (a thenable that starts opening when first awaited): the snapshot step awaits it as soon as
   * the member's snapshot script speaks.
   */
  storage: PromiseLike<BackupStorage>;
  url: string;
  /** Holds the manifest between the snapshot step (which stored the bundle) and the upload step. */
  staging: Staging;
  key: () => Promise<Buffer>;
  keep?: number;
  /** Set by the upload step: the manifest it stored (this run's result without reading it back). */
  made?: BackupManifest;
  /** Set by the snapshot step: the manifest of the bundle it stored, for the upload step to store last. */
  pending?: BackupManifest;
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

/** The bundle's secrets: the secret store entries a restore needs that this cluster has. */
async function bundledSecrets(ctx: BootstrapContext): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {};
  for (const n of BUNDLED_SECRETS) {
    const v = await ctx.cluster.secrets.get(n);
    if (v !== undefined) secrets[n] = v;
  }
  return secrets;
}

/**
 * Takes a snapshot on the first etcd member that is healthy (part of the quorum, so not stale) and
 * gives one, and streams it, sealed, into the target's `<name>.ksb` while the member still hashes and
 * checks it (transfer.ts). Returns the manifest to store once the bundle is complete; the member's copy
 * is removed. Nothing of the snapshot is kept on this machine: a re-run takes a new one.
 */
async function snapshotToTarget(inp: CreateInput, ctx: BootstrapContext): Promise<BackupManifest> {
  const file = `${inp.name}.db`;
  const remote = `${SNAPSHOT_DIR}/${file}`;
  const errors: string[] = [];
  // Embedded etcd (k3s) and kubeadm's stacked etcd: a member on every control plane.
  const embedded = ctx.spec.etcd.count === 0;
  const stacked = embedded && ctx.distro.name === 'kubeadm';
  // kubeadm over external etcd: the pair from a control plane, while the member takes the snapshot.
  const keysKept = ctx.distro.name === 'kubeadm' && !stacked ? ensureKubeadmKeys(ctx) : undefined;
  keysKept?.catch(() => undefined); // awaited before the bundle's secrets are read
  for (const m of ctx.machinesOf(embedded ? 'controlplane' : 'etcd')) {
    const session = await ctx.session(m).catch((e: Error) => {
      errors.push(`${m.name}: ${e.message.split('\n')[0]}`);
      return undefined;
    });
    if (!session) continue;
    const st = ctx.cluster.state!;
    const head = { name: inp.name, cluster: st.id, shape: clusterShape(st), createdAt: new Date().toISOString() };
    const stop = new AbortController();
    const signal = AbortSignal.any([ctx.signal, stop.signal]);
    let streaming: Promise<Streamed> | undefined;
    const begin = (size: number) => {
      streaming = (async () => {
        if (stacked) await keepKubeadmKeys(session, ctx.cluster.secrets);
        else if (keysKept) await keysKept;
        else if (embedded) {
          // The server token decrypts k3s's bootstrap data inside the snapshot: a restore needs this one.
          const token = (await session.download(K3S_SERVER_TOKEN_PATH, { sudo: true })).toString('utf8').trim();
          await ctx.cluster.secrets.put(TOKEN_SECRETS.k3sServerToken, token);
        }
        const [secrets, key, storage] = await Promise.all([bundledSecrets(ctx), inp.key(), inp.storage]);
        const aad = boundFields(head);
        return streamSnapshot({ session, remote, size, name: inp.name, secrets, key, aad, storage, signal });
      })();
      streaming.catch(() => undefined); // awaited below, after the script
    };
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
        onLine: (l) => {
          // The member is at work: the target's SDK loads now, while the snapshot is taken.
          Promise.resolve(inp.storage).catch(() => undefined);
          const ready = l.startsWith(`${SNAPSHOT_READY} `) ? Number(l.split(' ')[1]) : undefined;
          if (ready !== undefined && Number.isSafeInteger(ready) && !streaming) begin(ready);
          else ctx.log.child(m.name).info(l);
        },
      });
      facts = parseSnapshotLine(out, m.name);
    } catch (e) {
      stop.abort();
      if (streaming) {
        // A transfer that finished before the script failed left a complete bundle: not this backup's.
        await streaming.catch(() => undefined);
        await (await inp.storage).delete(bundleKey(inp.name)).catch(() => undefined);
      }
      if (ctx.signal.aborted) throw e;
      await runScript(session, snapshotCleanupScript(file), { secrets: ctx.cluster.secrets }).catch(() => undefined);
      errors.push(`${m.name}: ${(e as Error).message.split('\n')[0]}`);
      ctx.log.warn(`no snapshot from ${m.name}; trying the next member`);
      continue;
    }
    const cleanup = () =>
      runScript(session, snapshotCleanupScript(file), { secrets: ctx.cluster.secrets, signal: ctx.signal });
    const storage = await inp.storage;
    let sent: Streamed;
    try {
      if (!streaming) begin(Number((await session.exec(`stat -c %s ${remote}`)).stdout.trim()));
      sent = await streaming!;
      if (sent.snapshot.sha256 !== facts.sha256)
        throw new ProviderError(
          `snapshot from ${m.name} changed in transit (SHA-256 ${sent.snapshot.sha256}, member says ${facts.sha256})`,
        );
    } catch (e) {
      // No bundle without a manifest left behind, nor the snapshot on the member; a re-run takes a new one.
      await storage.delete(bundleKey(inp.name)).catch(() => undefined);
      await cleanup().catch(() => undefined);
      throw e;
    }
    await cleanup();
    ctx.log.info(
      `snapshot of ${m.name} (${privateAddress(m)}): ${facts.revision !== undefined ? `revision ${facts.revision}, ${facts.totalKeys} keys, ` : ''}${sent.snapshot.size} bytes, stored encrypted at ${storage.url}`,
    );
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      ...head,
      ...(st.uid ? { clusterUid: st.uid } : {}),
      size: sent.sealed.size,
      sha256: sent.sealed.sha256,
      snapshot: {
        size: sent.snapshot.size,
        sha256: sent.snapshot.sha256,
        ...(facts.revision !== undefined
          ? { revision: facts.revision, totalKeys: facts.totalKeys ?? 0, hash: facts.hash ?? 0 }
          : {}),
        member: facts.member,
      },
      encryption: 'AES-256-GCM',
      keyFingerprint: keyFingerprint(await inp.key()),
    };
    return manifest;
  }
  throw new ProviderError(`no healthy etcd member gave a snapshot: ${errors.join('; ')}`);
}

/** The manifest (no secret in it) a snapshot step of this backup left for the upload step. */
async function pendingManifest(inp: CreateInput): Promise<BackupManifest | undefined> {
  if (inp.pending) return inp.pending;
  const raw = await inp.staging.read(`${inp.name}.manifest.json`);
  try {
    return raw ? (JSON.parse(raw.toString('utf8')) as BackupManifest) : undefined;
  } catch {
    return undefined; // torn by a crash: the snapshot is taken again
  }
}

function snapshotStep(inp: CreateInput): Step<BootstrapContext> {
  return {
    id: `backup/${inp.name}/snapshot`,
    title:
      'etcd snapshot from a healthy member (etcdctl over TLS and etcdutl status, or k3s etcd-snapshot save), streamed over SSH, encrypted (AES-256-GCM) into the target',
    needs: [],
    details: { file: `${SNAPSHOT_DIR}/${inp.name}.db` },
    async run(ctx) {
      inp.pending = await snapshotToTarget(inp, ctx);
      await inp.staging.write(`${inp.name}.manifest.json`, JSON.stringify(inp.pending));
    },
  };
}

function uploadStep(inp: CreateInput, needs: string[]): Step<BootstrapContext> {
  return {
    id: `backup/${inp.name}/upload`,
    title: `Store the manifest at ${inp.url}, after its bundle`,
    needs,
    async run(ctx) {
      // A re-run after a crash stores the manifest the snapshot step left; when that is lost, it takes
      // the snapshot again (the bundle is overwritten whole; the manifest is always stored last).
      const manifest = (await pendingManifest(inp)) ?? (await snapshotToTarget(inp, ctx));
      await saveManifest(await inp.storage, manifest);
      inp.made = manifest;
    },
  };
}

function finishStep(inp: CreateInput, needs: string[]): Step<BootstrapContext> {
  return {
    id: `backup/${inp.name}/finish`,
    title: inp.keep
      ? `Keep the newest ${inp.keep} backups of this cluster; remove the staged manifest`
      : 'Remove the staged manifest',
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
