/**
 * Scripts for backing up and restoring k3s's embedded etcd, with k3s's own commands (flags checked
 * against k3s's pkg/cli/cmds/etcd_snapshot.go and server.go):
 *   - `k3s etcd-snapshot save --name N --dir D` on a server writes `D/N-<node>-<unix time>`;
 *   - restore is k3s's documented procedure: every server stopped, `k3s server --cluster-reset
 *     --cluster-reset-restore-path=FILE` on one (it restores the snapshot as a one-member cluster and
 *     exits), that server started, then each other server's `<data-dir>/server/db` moved away and the
 *     server started again, which rejoins it as a new member. The flags of the reset run come from
 *     /etc/rancher/k3s/config.yaml, as for the service (ksctl puts everything there).
 */
import { HOST_STATE_DIR, makeScript, shellQuote } from './common.js';
import { SNAPSHOT_DIR, SNAPSHOT_READY, SNAPSHOT_RESULT } from './etcd-backup.js';
import { K3S_BIN } from './k3s.js';
import type { Script } from './types.js';

export const K3S_DB_DIR = '/var/lib/rancher/k3s/server/db';
const MARKERS = `${HOST_STATE_DIR}/restore`;

/**
 * `k3s etcd-snapshot save` on this server into SNAPSHOT_DIR, renamed to `file`. Prints
 * `KSCTL_SNAPSHOT <sha256> {"totalSize":<bytes>}` (k3s has no etcdutl to report the revision).
 */
export function k3sSnapshotScript(input: { member: string; file: string }): Script {
  const f = shellQuote(`${SNAPSHOT_DIR}/${input.file}`);
  const base = `ksctl-${input.file.replace(/\.db$/, '')}`;
  return makeScript({
    name: 'k3s-etcd-snapshot',
    description: `k3s etcd snapshot on ${input.member}`,
    body: [
      `ensure_dir ${SNAPSHOT_DIR} 0700`,
      `rm -f ${SNAPSHOT_DIR}/${base}-*`,
      `${K3S_BIN} etcd-snapshot save --name ${shellQuote(base)} --dir ${SNAPSHOT_DIR} >&2`,
      `taken=$(ls -1 ${SNAPSHOT_DIR}/${base}-* 2>/dev/null | sed -n 1p)`,
      '[ -n "$taken" ] || die "k3s etcd-snapshot save wrote no snapshot"',
      `mv -f "$taken" ${f}`,
      `printf '${SNAPSHOT_READY} %s\\n' "$(stat -c %s ${f})"`,
      `sum=$(sha256sum ${f} | cut -d" " -f1)`,
      `printf '${SNAPSHOT_RESULT} %s {"totalSize":%s}\\n' "$sum" "$(stat -c %s ${f})"`,
    ],
  });
}

/**
 * `k3s server --cluster-reset --cluster-reset-restore-path=FILE` on the first server, k3s stopped.
 * A marker per restore makes a re-run after the reset skip it (k3s itself would reset again).
 */
export function k3sClusterResetScript(input: { file: string; sha256: string; tag: string }): Script {
  const file = shellQuote(`${SNAPSHOT_DIR}/${input.file}`);
  const marker = `${MARKERS}/k3s-reset-${input.tag}.done`;
  return makeScript({
    name: 'k3s-cluster-reset',
    description: 'k3s --cluster-reset from the snapshot',
    body: [
      `if [ -e ${marker} ]; then log "cluster already reset from the snapshot"; exit 0; fi`,
      `ensure_dir ${MARKERS} 0700`,
      'systemctl is-active --quiet k3s && die "k3s is running: stop it before the cluster reset"',
      `[ "$(sha256sum ${file} | cut -d" " -f1)" = ${shellQuote(input.sha256)} ] || die "snapshot ${input.file} does not match its SHA-256"`,
      `timeout 600 ${K3S_BIN} server --cluster-reset --cluster-reset-restore-path=${file} >&2 || die "k3s --cluster-reset failed"`,
      `touch ${marker}`,
    ],
  });
}

/**
 * A server other than the reset one: its etcd data moved aside (k3s: "backup and delete
 * ${datadir}/server/db on each peer"), so its next start joins the restored cluster as a new member.
 */
export function k3sRejoinPrepareScript(tag: string): Script {
  const moved = `${MARKERS}/k3s-db-moved-${tag}`;
  return makeScript({
    name: 'k3s-rejoin-prepare',
    description: 'move the server db aside to rejoin',
    body: [
      `if [ -e ${moved} ]; then exit 0; fi`,
      `ensure_dir ${MARKERS} 0700`,
      'systemctl is-active --quiet k3s && die "k3s is running: stop it before removing its db"',
      `if [ -e ${K3S_DB_DIR} ]; then rm -rf ${K3S_DB_DIR}.pre-${tag}; mv ${K3S_DB_DIR} ${K3S_DB_DIR}.pre-${tag}; fi`,
      `touch ${moved}`,
    ],
  });
}

/** After a successful restore: the moved-away dbs, markers and the snapshot copy go. */
export function k3sRestoreCleanupScript(tag: string, file: string): Script {
  return makeScript({
    name: 'k3s-restore-cleanup',
    description: 'remove the pre-restore db and the snapshot copy',
    body: [
      `rm -rf ${K3S_DB_DIR}.pre-${tag} ${K3S_DB_DIR}/etcd-old-* ${shellQuote(`${SNAPSHOT_DIR}/${file}`)}`,
      `rm -f ${MARKERS}/k3s-reset-${tag}.done ${MARKERS}/k3s-db-moved-${tag}`,
    ],
  });
}
