/**
 * Scripts for backing up and restoring kubeadm's STACKED etcd: one member per control plane, run by the
 * kubelet as the static pod /etc/kubernetes/manifests/etcd.yaml (data in `etcd.local.dataDir`,
 * /var/lib/etcd; certificates in /etc/kubernetes/pki/etcd, made by kubeadm).
 *
 * kubeadm hosts have no etcdctl or etcdutl. The tools run from the cluster's own etcd image, already on
 * the node (the image the static pod names), in a one-off container: `ctr -n k8s.io run --rm
 * --net-host` with only the directories each command needs bind-mounted. So the snapshot and the restore
 * use exactly the etcd version that wrote the data (a restore must not be done by an older etcdutl),
 * nothing is installed or downloaded (air-gapped nodes included), and it works while the API server is
 * down (`kubectl exec` into the etcd pod would not, and could not reach a stopped member's data). `ctr`
 * ships with containerd on every kubeadm node ksctl installs (the install imports air-gap images with it).
 *
 * Restore, per member, from the same snapshot (etcdutl flags as in etcd-backup.ts): the member's name and
 * peer URL as its manifest has them, the whole member list, a new cluster token, a bumped and compacted
 * revision. kubeadm's manifests keep `--initial-cluster-state=existing` and an `--initial-cluster` listing
 * only the members that existed at join time on joined members; etcd ignores both once the data dir has
 * a WAL (server/v3 embed.StartEtcd reads them only when `!isMemberInitialized`, and
 * etcdserver.bootstrapClusterWithWAL takes the member and cluster IDs from the WAL; checked at v3.7.0),
 * and the restored directory has one, with the full membership.
 */
import { HOST_STATE_DIR, httpsUrl, makeScript, shellQuote, sortEndpoints } from './common.js';
import {
  RESTORE_BUMP_REVISION,
  SNAPSHOT_DIR,
  SNAPSHOT_RESULT,
  restoreMembers,
  type EtcdRestoreInput,
} from './etcd-backup.js';
import { ETCD_CLIENT_PORT } from './etcd.js';
import type { EtcdEndpoint, Script } from './types.js';

/** kubeadm-config.ts's `etcd.local.dataDir`. */
export const STACKED_ETCD_DATA_DIR = '/var/lib/etcd';
export const STACKED_ETCD_PKI_DIR = '/etc/kubernetes/pki/etcd';
const MANIFESTS = '/etc/kubernetes/manifests';
const MANIFEST = `${MANIFESTS}/etcd.yaml`;
const PARKED_DIR = `${HOST_STATE_DIR}/restore`;
const PARKED = `${PARKED_DIR}/etcd.yaml`;
/** kubeadm's etcd client certificate for health checks (`kubeadm certs list`: etcd-healthcheck-client). */
const TLS = `--cacert=${STACKED_ETCD_PKI_DIR}/ca.crt --cert=${STACKED_ETCD_PKI_DIR}/healthcheck-client.crt --key=${STACKED_ETCD_PKI_DIR}/healthcheck-client.key`;
export const ro = (src: string, dst = src) => `--mount type=bind,src=${src},dst=${dst},options=rbind:ro`;
export const rw = (src: string, dst = src) => `--mount type=bind,src=${src},dst=${dst},options=rbind:rw`;

/** Bash: `etcd_tool ID [ctr run options] -- COMMAND...`, running COMMAND in `$image` (set before). */
export const ETCD_TOOL = [
  'etcd_tool() {',
  '  local id="ksctl-$1" opts=()',
  '  shift',
  '  while [ "$1" != "--" ]; do opts+=("$1"); shift; done',
  '  shift',
  '  ctr -n k8s.io tasks rm -f "$id" >/dev/null 2>&1 || true',
  '  ctr -n k8s.io containers rm "$id" >/dev/null 2>&1 || true',
  // stdin from /dev/null: the container would read the rest of this script, which bash reads from stdin.
  '  ctr -n k8s.io run --rm --net-host "${opts[@]}" "$image" "$id" "$@" </dev/null',
  '}',
];

/**
 * Bash: `image` = the etcd image of the static pod (live or parked manifest), and `etcd_tool ID
 * [ctr run options] -- COMMAND...` running COMMAND in it. A container left by an interrupted run (same
 * ID) is removed first, so a re-run never fails on "already exists".
 */
const TOOLS = [
  'image=""',
  `for m in ${MANIFEST} ${PARKED}; do`,
  `  if [ -f "$m" ]; then image=$(awk '$1 == "image:" { gsub(/["\\047]/, "", $2); print $2; exit }' "$m"); break; fi`,
  'done',
  `[ -n "$image" ] || die "no etcd static pod manifest (${MANIFEST}): not a control plane with stacked etcd"`,
  ...ETCD_TOOL,
];

/**
 * `etcdctl snapshot save` against this control plane's member over TLS (it must be healthy), then
 * `etcdutl snapshot status` and a SHA-256 of the file. Prints `KSCTL_SNAPSHOT <sha256> <status json>`,
 * as etcdSnapshotScript does.
 */
export function stackedSnapshotScript(input: { member: string; file: string }): Script {
  const f = shellQuote(`${SNAPSHOT_DIR}/${input.file}`);
  const inside = shellQuote(`/snapshots/${input.file}`);
  return makeScript({
    name: 'kubeadm-etcd-snapshot',
    description: `etcd snapshot from stacked member ${input.member}`,
    body: [
      `ensure_dir ${SNAPSHOT_DIR} 0700`,
      ...TOOLS,
      `etcd_ctl() { etcd_tool etcdctl ${ro(STACKED_ETCD_PKI_DIR)} ${rw(SNAPSHOT_DIR, '/snapshots')} -- etcdctl --endpoints=${httpsUrl('127.0.0.1', ETCD_CLIENT_PORT)} ${TLS} --dial-timeout=3s "$@"; }`,
      'etcd_ctl --command-timeout=5s endpoint health >/dev/null || die "etcd member is not healthy"',
      `rm -f ${f}.part`,
      `etcd_ctl --command-timeout=10m snapshot save ${inside}.part >&2`,
      `mv -f ${f}.part ${f}`,
      `sum=$(sha256sum ${f} | cut -d" " -f1)`,
      `status=$(etcd_tool etcdutl ${rw(SNAPSHOT_DIR, '/snapshots')} -- etcdutl snapshot status ${inside} -w json)`,
      `printf '${SNAPSHOT_RESULT} %s %s\\n' "$sum" "$status"`,
    ],
  });
}

/**
 * Stops (parks the manifest outside the kubelet's directory, waits until the process is gone) or
 * starts (puts it back) one of this control plane's static pods: `kube-apiserver` (parked where
 * apiServerScript parks it) or `etcd`. Both are no-ops when already done. The kubelet stops a pod whose
 * manifest is gone, but with no API server answering it, it took up to minutes on the test bench (its
 * status updates time out first); the pod is no longer wanted either way, so its process is signalled
 * here too: SIGTERM, and SIGKILL after 10 s (neither keeps state etcd's WAL does not).
 */
export function staticPodScript(component: 'kube-apiserver' | 'etcd', action: 'stop' | 'start'): Script {
  const live = `${MANIFESTS}/${component}.yaml`;
  const parked = `${PARKED_DIR}/${component}.yaml`;
  const body =
    action === 'stop'
      ? [
          `ensure_dir ${PARKED_DIR} 0700`,
          `if [ -e ${live} ]; then mv -f ${live} ${parked}; fi`,
          `[ -e ${parked} ] || die "${parked} is missing: no ${component} manifest to park"`,
          'start=$(date +%s)',
          `while pgrep -x ${component} >/dev/null; do`,
          '  waited=$(( $(date +%s) - start ))',
          `  [ "$waited" -lt 120 ] || die "${component} did not stop in 120 s"`,
          `  if [ "$waited" -lt 10 ]; then pkill -TERM -x ${component} || true; else pkill -KILL -x ${component} || true; fi`,
          '  sleep 1',
          'done',
        ]
      : [`if [ -e ${parked} ]; then mv -f ${parked} ${live}; fi`, `[ -e ${live} ] || die "${live} is missing"`];
  return makeScript({
    name: `kubeadm-${component}-${action}`,
    description: `${action} ${component} (static pod)`,
    body,
  });
}

/** A stacked member's restore: its name is the control plane's node name (kubeadm's `--name`). */
export type StackedRestoreInput = EtcdRestoreInput;

/**
 * Restores this member's /var/lib/etcd from the snapshot, resumably (the scheme of
 * etcdRestoreMemberScript: built beside the live directory, swapped in, the old one kept as
 * `.pre-<tag>` until cleanup, a marker at the end). Refuses when the parked manifest disagrees with
 * the member list (name, peer URL, data dir), so a restored member never has another's identity.
 */
export function stackedRestoreMemberScript(input: StackedRestoreInput): Script {
  const { self, peer, cluster } = restoreMembers(input);
  const file = shellQuote(`${SNAPSHOT_DIR}/${input.file}`);
  const data = STACKED_ETCD_DATA_DIR;
  const next = `${data}.restore-${input.tag}`;
  const old = `${data}.pre-${input.tag}`;
  const marker = `${PARKED_DIR}/stacked-etcd-${input.tag}.done`;
  const flag = (name: string, value: string) =>
    `grep -Eq -- ${shellQuote(`^[[:space:]]*- --${name}=${value.replace(/\./g, '\\.')}$`)} ${PARKED} || die ${shellQuote(`${PARKED} has no --${name}=${value}: the member list does not match this control plane`)}`;
  return makeScript({
    name: 'kubeadm-etcd-restore-member',
    description: `restore stacked etcd member ${input.name} from the snapshot`,
    body: [
      `if [ -e ${marker} ]; then log "member ${input.name} already restored"; exit 0; fi`,
      `[ -e ${MANIFEST} ] && die "etcd's static pod manifest is in place: stop etcd before restoring"`,
      'pgrep -x etcd >/dev/null && die "an etcd process still runs"',
      `require_file ${PARKED}`,
      flag('name', input.name),
      flag('initial-advertise-peer-urls', peer(self)),
      flag('data-dir', data),
      ...TOOLS,
      // A crash after the old directory moved away but before the new one moved in: finish the swap.
      `if [ ! -e ${data} ] && [ -d ${next}/member ]; then mv ${next} ${data}; fi`,
      `if [ ! -d ${old} ] || [ -d ${next} ] || [ ! -d ${data}/member ]; then`,
      `  [ "$(sha256sum ${file} | cut -d" " -f1)" = ${shellQuote(input.sha256)} ] || die "snapshot ${input.file} does not match its SHA-256"`,
      `  rm -rf ${next}`,
      `  mkdir -m 0700 ${next}`,
      `  etcd_tool etcdutl ${rw(next, '/restore')} ${ro(SNAPSHOT_DIR, '/snapshots')} -- \\`,
      `    etcdutl snapshot restore ${shellQuote(`/snapshots/${input.file}`)} --data-dir=/restore \\`,
      `    --name=${shellQuote(input.name)} --initial-cluster=${shellQuote(cluster)} --initial-advertise-peer-urls=${shellQuote(peer(self))} \\`,
      `    --initial-cluster-token=${shellQuote(input.token)} --bump-revision=${RESTORE_BUMP_REVISION} --mark-compacted >&2`,
      `  [ -d ${next}/member/wal ] || die "etcdutl snapshot restore left no WAL in ${next}"`,
      `  if [ -e ${data} ] && [ ! -e ${old} ]; then mv ${data} ${old}; fi`,
      `  rm -rf ${data}`,
      `  mv ${next} ${data}`,
      'fi',
      `touch ${marker}`,
      `log "member ${input.name} restored (token ${input.token})"`,
    ],
  });
}

/** Waits until every member answers healthy over TLS (run on one control plane, its etcd started). */
export function stackedHealthScript(input: { members: EtcdEndpoint[]; timeoutSeconds?: number }): Script {
  const endpoints = sortEndpoints(input.members)
    .map((m) => httpsUrl(m.address, ETCD_CLIENT_PORT))
    .join(',');
  return makeScript({
    name: 'kubeadm-etcd-health',
    description: `wait until ${input.members.length} stacked etcd members are healthy`,
    body: [
      ...TOOLS,
      `healthy() { etcd_tool etcdctl ${ro(STACKED_ETCD_PKI_DIR)} -- etcdctl --endpoints=${endpoints} ${TLS} --dial-timeout=3s --command-timeout=5s endpoint health; }`,
      `wait_for ${input.timeoutSeconds ?? 300} 3 "every etcd member to be healthy" healthy || die "etcd is not healthy"`,
    ],
  });
}

/** After a successful restore: the old data directory, the marker and the snapshot copy go. */
export function stackedRestoreCleanupScript(tag: string, file: string): Script {
  return makeScript({
    name: 'kubeadm-etcd-restore-cleanup',
    description: 'remove the pre-restore etcd data and the snapshot copy',
    body: [
      `rm -rf ${STACKED_ETCD_DATA_DIR}.pre-${tag} ${STACKED_ETCD_DATA_DIR}.restore-${tag} ${PARKED_DIR}/stacked-etcd-${tag}.done ${shellQuote(`${SNAPSHOT_DIR}/${file}`)}`,
    ],
  });
}
