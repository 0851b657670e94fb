/**
 * Scripts for backing up and restoring the external etcd cluster. They run on the etcd members with
 * the certificates and binaries ksctl installed there (etcdctl over TLS against the member's own
 * loopback client URL; etcdutl, offline), and on the control planes to stop and start the API servers.
 * Flags checked against etcd v3.6's etcdutl (`snapshot restore`: --name, --data-dir,
 * --initial-cluster, --initial-cluster-token, --initial-advertise-peer-urls, --bump-revision,
 * --mark-compacted, which is required with --bump-revision > 0).
 */
import type { Distribution } from '../../api/types.js';
import { HOST_STATE_DIR, httpsUrl, makeScript, shellQuote, sortEndpoints } from './common.js';
import { ETCD_DATA_DIR, ETCD_PKI_DIR, ETCD_UNIT, ETCD_CLIENT_PORT, ETCD_PEER_PORT } from './etcd.js';
import type { EtcdEndpoint, Script } from './types.js';

/** Where snapshots wait on a member (0700, root): taken there, or uploaded for a restore. */
export const SNAPSHOT_DIR = `${HOST_STATE_DIR}/etcd-snapshots`;
/**
 * How far a restore moves the revision forward: well past anything written since the snapshot, so
 * watchers (API server caches, controllers) see a newer revision and relist instead of trusting theirs.
 */
export const RESTORE_BUMP_REVISION = 1_000_000_000;

const ETCDCTL_TLS = `--cacert=${ETCD_PKI_DIR}/ca.crt --cert=${ETCD_PKI_DIR}/server.crt --key=${ETCD_PKI_DIR}/server.key`;

/** The line a snapshot script prints last: what the step reads back. */
export const SNAPSHOT_RESULT = 'KSCTL_SNAPSHOT';
/**
 * The line a snapshot script prints as soon as the file is complete (`KSCTL_SNAPSHOT_READY <bytes>`):
 * the transfer starts then, while the script still hashes and checks the file.
 */
export const SNAPSHOT_READY = 'KSCTL_SNAPSHOT_READY';

/**
 * `etcdctl snapshot save` against this member (it must be healthy: checked meanwhile), then
 * `etcdutl snapshot status` and a SHA-256 of the file. Prints `KSCTL_SNAPSHOT_READY <bytes>` once the file is complete and
 * `KSCTL_SNAPSHOT <sha256> <status json>` at the end.
 */
export function etcdSnapshotScript(input: { member: string; file: string; clientPort?: number }): Script {
  const url = httpsUrl('127.0.0.1', input.clientPort ?? ETCD_CLIENT_PORT);
  const f = shellQuote(`${SNAPSHOT_DIR}/${input.file}`);
  return makeScript({
    name: 'etcd-snapshot',
    description: `etcd snapshot from member ${input.member}`,
    body: [
      `ensure_dir ${SNAPSHOT_DIR} 0700`,
      `etcd_ctl() { etcdctl --endpoints=${url} ${ETCDCTL_TLS} --dial-timeout=3s "$@"; }`,
      // Health (a quorum read: this member is not stale) alongside the snapshot, which reads the local
      // store only: both done before the file counts; an unhealthy member's snapshot is thrown away.
      'etcd_ctl --command-timeout=5s endpoint health >/dev/null & checking=$!',
      `rm -f ${f}.part`,
      `etcd_ctl --command-timeout=10m snapshot save ${f}.part >&2`,
      'wait "$checking" || die "etcd member is not healthy"',
      `mv -f ${f}.part ${f}`,
      `printf '${SNAPSHOT_READY} %s\\n' "$(stat -c %s ${f})"`,
      // Both read the whole file (and so does the transfer): side by side, from the page cache.
      `sha256sum ${f} >${f}.sum & summing=$!`,
      `status=$(etcdutl snapshot status ${f} -w json)`,
      'wait "$summing"',
      `sum=$(cut -d" " -f1 <${f}.sum)`,
      `rm -f ${f}.sum`,
      `printf '${SNAPSHOT_RESULT} %s %s\\n' "$sum" "$status"`,
    ],
  });
}

/** Removes snapshot files ksctl left on a member. */
export function snapshotCleanupScript(file: string): Script {
  return makeScript({
    name: 'etcd-snapshot-cleanup',
    description: 'remove the snapshot file',
    body: [
      `rm -f ${shellQuote(`${SNAPSHOT_DIR}/${file}`)} ${shellQuote(`${SNAPSHOT_DIR}/${file}`)}.part ${shellQuote(`${SNAPSHOT_DIR}/${file}`)}.sum`,
    ],
  });
}

/** Every API server must be down before etcd is replaced: none may write into the old or half-restored store. */
export function apiServerScript(distribution: Distribution, action: 'stop' | 'start'): Script {
  if (distribution === 'k3s') {
    return makeScript({
      name: `k3s-${action}`,
      description: `${action} k3s (the API server)`,
      body: [`systemctl ${action} k3s`],
    });
  }
  // kubeadm: the kubelet runs kube-apiserver as a static pod; moving its manifest away stops it.
  const live = '/etc/kubernetes/manifests/kube-apiserver.yaml';
  const parked = `${HOST_STATE_DIR}/restore/kube-apiserver.yaml`;
  const body =
    action === 'stop'
      ? [
          `ensure_dir ${HOST_STATE_DIR}/restore 0700`,
          `if [ -e ${live} ]; then mv -f ${live} ${parked}; fi`,
          'wait_for 120 2 "kube-apiserver to stop" sh -c "! pgrep -x kube-apiserver >/dev/null"',
        ]
      : [`if [ -e ${parked} ]; then mv -f ${parked} ${live}; fi`, `[ -e ${live} ] || die "${live} is missing"`];
  return makeScript({ name: `kube-apiserver-${action}`, description: `${action} kube-apiserver (static pod)`, body });
}

/** Waits until `readyCommand` (the distribution's `kubectl get --raw=/readyz`) succeeds on this control plane. */
export function apiServerReadyScript(readyCommand: string, timeoutSeconds = 300): Script {
  return makeScript({
    name: 'apiserver-ready',
    description: 'wait for the API server to be ready',
    body: [
      `if ! wait_for ${timeoutSeconds} 2 "the API server" ${readyCommand} >/dev/null; then die "the API server did not become ready"; fi`,
    ],
  });
}

export function etcdServiceScript(action: 'stop' | 'start'): Script {
  // --no-block on start: a member becomes ready only with quorum; the health step waits for all.
  return makeScript({
    name: `etcd-${action}`,
    description: `${action} ${ETCD_UNIT}`,
    body: [action === 'stop' ? `systemctl stop ${ETCD_UNIT}` : `systemctl start --no-block ${ETCD_UNIT}`],
  });
}

export interface EtcdRestoreInput {
  name: string;
  members: EtcdEndpoint[];
  /** Snapshot file in SNAPSHOT_DIR (uploaded before). */
  file: string;
  sha256: string;
  /** New --initial-cluster-token: the restored cluster must not accept a peer of the old one. */
  token: string;
  /** Names this restore's directories and marker, so a re-run finds its own work. */
  tag: string;
}

/** This member, its peer URL and the `--initial-cluster` value every member's restore gives. */
export function restoreMembers(input: EtcdRestoreInput): {
  self: EtcdEndpoint;
  peer: (m: EtcdEndpoint) => string;
  cluster: string;
} {
  const self = input.members.find((m) => m.name === input.name);
  if (!self) throw new Error(`etcd member ${input.name} is not in the member list`);
  const peer = (m: EtcdEndpoint) => httpsUrl(m.address, m.peerPort ?? ETCD_PEER_PORT);
  const cluster = sortEndpoints(input.members)
    .map((m) => `${m.name}=${peer(m)}`)
    .join(',');
  return { self, peer, cluster };
}

/**
 * Restores this member's data directory from the snapshot, resumably: the restored directory is
 * built beside the live one, then swapped in (old one kept as `.pre-<tag>` until cleanup), and a marker
 * records completion. A re-run after a crash at any line finishes the swap or redoes the restore.
 */
export function etcdRestoreMemberScript(input: EtcdRestoreInput): Script {
  const { self, peer, cluster } = restoreMembers(input);
  const file = shellQuote(`${SNAPSHOT_DIR}/${input.file}`);
  const data = ETCD_DATA_DIR;
  const next = `${data}.restore-${input.tag}`;
  const old = `${data}.pre-${input.tag}`;
  const marker = `${HOST_STATE_DIR}/restore/etcd-${input.tag}.done`;
  return makeScript({
    name: 'etcd-restore-member',
    description: `restore etcd member ${input.name} from the snapshot`,
    body: [
      `if [ -e ${marker} ]; then log "member ${input.name} already restored"; exit 0; fi`,
      `ensure_dir ${HOST_STATE_DIR}/restore 0700`,
      `systemctl is-active --quiet ${ETCD_UNIT} && die "${ETCD_UNIT} is running: stop it before restoring"`,
      // A crash after the old directory moved away but before the new one moved in: finish the swap.
      `if [ ! -e ${data} ] && [ -d ${next}/member ]; then mv ${next} ${data}; fi`,
      `if [ ! -d ${old} ] || [ -d ${next} ] || [ ! -d ${data}/member ]; then`,
      `  [ "$(sha256sum ${file} | cut -d" " -f1)" = ${shellQuote(input.sha256)} ] || die "snapshot ${input.file} does not match its SHA-256"`,
      `  rm -rf ${next}`,
      `  etcdutl snapshot restore ${file} --name=${shellQuote(input.name)} --data-dir=${next} \\`,
      `    --initial-cluster=${shellQuote(cluster)} --initial-advertise-peer-urls=${shellQuote(peer(self))} \\`,
      `    --initial-cluster-token=${shellQuote(input.token)} --bump-revision=${RESTORE_BUMP_REVISION} --mark-compacted >&2`,
      `  chown -R etcd:etcd ${next}`,
      `  chmod 0700 ${next}`,
      `  if [ -e ${data} ] && [ ! -e ${old} ]; then mv ${data} ${old}; fi`,
      `  rm -rf ${data}`,
      `  mv ${next} ${data}`,
      'fi',
      `touch ${marker}`,
      `log "member ${input.name} restored (token ${input.token})"`,
    ],
  });
}

/** After a successful restore: the old data directories, markers and snapshot copies go. */
export function etcdRestoreCleanupScript(tag: string, file: string): Script {
  return makeScript({
    name: 'etcd-restore-cleanup',
    description: 'remove the pre-restore data directory and the snapshot copy',
    body: [
      `rm -rf ${ETCD_DATA_DIR}.pre-${tag} ${ETCD_DATA_DIR}.restore-${tag} ${shellQuote(`${SNAPSHOT_DIR}/${file}`)}`,
    ],
  });
}
