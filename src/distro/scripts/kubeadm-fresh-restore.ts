/**
 * `create cluster --restore` onto kubeadm with STACKED etcd: kubeadm's documented way to start a control
 * plane from an etcd snapshot. On the first control plane, BEFORE `kubeadm init`: the snapshot is restored
 * into /var/lib/etcd as a ONE-member cluster named and addressed as this node (the other control planes
 * join as new members afterwards, as in any create), the source cluster's Node objects and Leases are
 * deleted from it (fresh-restore.ts says why); init then runs (with the source's ServiceAccount key pair,
 * kubeadm.ts `serviceAccountKeys`) with its `DirAvailable--var-lib-etcd` check ignored
 * (cmd/kubeadm/app/preflight/checks.go at v1.37.2: DirAvailableCheck{Path: cfg.Etcd.Local.DataDir},
 * named "DirAvailable-" + the path with "/" → "-"). Everything init writes into the restored store
 * converges (create-or-update: cluster-info with the new endpoint, kubeadm-config, kubelet-config,
 * bootstrap token Secrets, RBAC, kube-proxy, CoreDNS).
 *
 * The tools come from the etcd image kubeadm names for the installed version, in one-off containers
 * (kubeadm-etcd-backup.ts says why). No etcd runs yet, so the Node objects are forgotten through a
 * temporary etcd on the restored directory, listening on loopback only, stopped before init.
 *
 * `kubeadm reset` (the init script's answer to an interrupted init) empties /var/lib/etcd: so this script
 * resets an interrupted init itself, then restores again from the snapshot copy (kept until the restore's
 * cleanup). Resumable: a marker says the restore is in place; an initialised node is left alone.
 */
import { HOST_STATE_DIR, httpsUrl, makeScript, shellQuote } from './common.js';
import { RESTORE_BUMP_REVISION, SNAPSHOT_DIR } from './etcd-backup.js';
import { ETCD_PEER_PORT } from './etcd.js';
import { SOURCE_NODE_PREFIXES } from './fresh-restore.js';
import { ETCD_TOOL, STACKED_ETCD_DATA_DIR, ro, rw } from './kubeadm-etcd-backup.js';
import { KUBEADM_ADMIN_KUBECONFIG, KUBEADM_STATE_DIR, LEFTOVERS } from './kubeadm.js';
import type { Script } from './types.js';

/** The preflight check a restore skips: the restored data IS the point. */
export const RESTORED_ETCD_PREFLIGHT = `DirAvailable-${STACKED_ETCD_DATA_DIR.replace(/\//g, '-')}`;
/** Loopback-only ports of the temporary etcd (not kubeadm's 2379/2380/2381, which init checks are free). */
const TMP_CLIENT = 'http://127.0.0.1:23790';
const TMP_PEER = 'http://127.0.0.1:23800';
const RESTORE_DIR = `${HOST_STATE_DIR}/restore`;
/** kubeadm's control-plane static pods; their mirror pods are `<component>-<node name>` in kube-system. */
const STATIC_PODS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

export interface StackedSeedInput {
  /** The first control plane: its node name (= etcd member name) and private address. */
  name: string;
  address: string;
  /** Snapshot file in SNAPSHOT_DIR (uploaded before). */
  file: string;
  sha256: string;
  token: string;
  tag: string;
}

export const stackedSeedMarker = (tag: string) => `${RESTORE_DIR}/stacked-seed-${tag}.done`;

/** Prints `forgot-nodes <count>` when it restored (not when the restore was already in place). */
export function stackedSeedScript(input: StackedSeedInput): Script {
  const data = STACKED_ETCD_DATA_DIR;
  const next = `${data}.restore-${input.tag}`;
  const marker = stackedSeedMarker(input.tag);
  const file = shellQuote(`${SNAPSHOT_DIR}/${input.file}`);
  const peer = httpsUrl(input.address, ETCD_PEER_PORT);
  const tmp = 'ksctl-seed-etcd';
  // etcdctl inside the temporary etcd's own container (no new container per call).
  const ctl = 'seed_ctl';
  return makeScript({
    name: 'kubeadm-fresh-restore-seed',
    description: `restore the snapshot into ${data} on ${input.name} before kubeadm init`,
    body: [
      `if [ -f ${KUBEADM_STATE_DIR}/initialized ] && [ -f ${KUBEADM_ADMIN_KUBECONFIG} ]; then log "already initialised"; exit 0; fi`,
      ...LEFTOVERS,
      'if kubeadm_leftovers; then',
      `  warn "an interrupted kubeadm init: resetting it here (a reset empties ${data}), then restoring again"`,
      '  kubeadm reset -f >&2',
      `  rm -f ${marker}`,
      'fi',
      `ensure_dir ${RESTORE_DIR} 0700`,
      `if [ -e ${marker} ] && [ -d ${data}/member ]; then`,
      '  log "the restored etcd data is in place"',
      'else',
      `  require_file ${file}`,
      `  [ "$(sha256sum ${file} | cut -d" " -f1)" = ${shellQuote(input.sha256)} ] || die "snapshot ${input.file} does not match its SHA-256"`,
      // The etcd image of the kubeadm installed here (what init's static pod will run).
      `  image=$(kubeadm config images list --kubernetes-version "$(kubeadm version -o short)" 2>/dev/null | grep '/etcd:' | sed -n 1p)`,
      '  [ -n "$image" ] || die "kubeadm names no etcd image"',
      // grep reads the whole list (not -q): under pipefail, ctr killed by SIGPIPE after an early match
      // failed the test and sent an air-gapped node to a registry.
      '  if ! ctr -n k8s.io images ls -q | grep -xF "$image" >/dev/null; then',
      `    ctr -n k8s.io images pull "$image" >&2 || die "the etcd image $image is not on ${input.name} and cannot be pulled (air-gapped: list its tarball in spec.airgap.images)"`,
      '  fi',
      ...ETCD_TOOL.map((l) => `  ${l}`),
      `  rm -rf ${next}`,
      `  mkdir -m 0700 ${next}`,
      `  etcd_tool seed-etcdutl ${rw(next, '/restore')} ${ro(SNAPSHOT_DIR, '/snapshots')} -- \\`,
      `    etcdutl snapshot restore ${shellQuote(`/snapshots/${input.file}`)} --data-dir=/restore \\`,
      `    --name=${shellQuote(input.name)} --initial-cluster=${shellQuote(`${input.name}=${peer}`)} --initial-advertise-peer-urls=${shellQuote(peer)} \\`,
      `    --initial-cluster-token=${shellQuote(input.token)} --bump-revision=${RESTORE_BUMP_REVISION} --mark-compacted >&2`,
      `  [ -d ${next}/member/wal ] || die "etcdutl snapshot restore left no WAL in ${next}"`,
      `  rm -rf ${data}`,
      `  mv ${next} ${data}`,
      // The temporary etcd: the restored member (its WAL decides name and membership), loopback only.
      '  stop_seed_etcd() {',
      `    ctr -n k8s.io tasks kill -s SIGKILL ${tmp} >/dev/null 2>&1 || true`,
      `    ctr -n k8s.io tasks rm -f ${tmp} >/dev/null 2>&1 || true`,
      `    ctr -n k8s.io containers rm ${tmp} >/dev/null 2>&1 || true`,
      '  }',
      '  stop_seed_etcd',
      '  trap stop_seed_etcd EXIT',
      `  ctr -n k8s.io run -d --net-host ${rw(data)} "$image" ${tmp} etcd --name=${shellQuote(input.name)} --data-dir=${data} \\`,
      `    --listen-client-urls=${TMP_CLIENT} --advertise-client-urls=${TMP_CLIENT} --listen-peer-urls=${TMP_PEER} </dev/null >&2`,
      '  seed_seq=0',
      '  seed_ctl() {',
      '    seed_seq=$((seed_seq + 1))',
      `    ctr -n k8s.io tasks exec --exec-id "seed-$seed_seq" ${tmp} etcdctl --endpoints=${TMP_CLIENT} --dial-timeout=3s --command-timeout=10s "$@" </dev/null`,
      '  }',
      `  seed_healthy() { ${ctl} endpoint health >/dev/null 2>&1; }`,
      '  wait_for 60 1 "the temporary etcd on the restored data" seed_healthy || die "the restored etcd data does not start"',
      `  names=$(${ctl} get ${SOURCE_NODE_PREFIXES[0]} --prefix --keys-only | sed -n 's#^${SOURCE_NODE_PREFIXES[0]}##p')`,
      '  nodes=$(printf "%s\\n" "$names" | grep -c . || true)',
      ...SOURCE_NODE_PREFIXES.map((p) => `  ${ctl} del ${p} --prefix >/dev/null`),
      // The source's control-plane mirror pods (`<component>-<node>`, exact keys): kubeadm join finds the
      // etcd endpoints through the etcd pods' annotations, which would name the old machines.
      '  while read -r n; do',
      '    [ -n "$n" ] || continue',
      `    for c in ${STATIC_PODS.join(' ')}; do ${ctl} del "/registry/pods/kube-system/$c-$n" >/dev/null; done`,
      '  done <<<"$names"',
      '  stop_seed_etcd',
      '  trap - EXIT',
      `  touch ${marker}`,
      '  echo "forgot-nodes $nodes"',
      'fi',
      `log "${input.name}: restored etcd data in place for kubeadm init"`,
    ],
  });
}

/** After init: the snapshot copy and the marker go (the restored data now belongs to the running etcd). */
export function stackedSeedCleanupScript(tag: string, file: string): Script {
  return makeScript({
    name: 'kubeadm-fresh-restore-cleanup',
    description: 'remove the snapshot copy and the restore marker',
    body: [
      `rm -rf ${STACKED_ETCD_DATA_DIR}.restore-${tag} ${stackedSeedMarker(tag)} ${shellQuote(`${SNAPSHOT_DIR}/${file}`)}`,
    ],
  });
}
