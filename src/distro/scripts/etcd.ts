/**
 * External etcd: one member per machine, TLS for clients and peers, run by systemd as
 * `ksctl-etcd.service` (never clashing with the distribution's own etcd.service).
 */
import { isIP } from 'node:net';
import { InputError } from '../../errors.js';
import { etcdMemberSecretNames, SECRET_NAMES, artifactRef, secretRef } from '../pki/names.js';
import { ETCD_PINNED_RELEASE } from '../../api/etcd-release.js';
import { ETCD_BIN, etcdAirgapTarball, etcdInstallLines } from './etcd-install.js';
import {
  AIRGAP_DIR,
  assertName,
  assertPort,
  assertUnique,
  heredoc,
  httpsUrl,
  makeScript,
  shellQuote,
  sortEndpoints,
} from './common.js';
import type { EtcdEndpoint, EtcdHealthInput, EtcdMemberInput, Script, ScriptFile } from './types.js';

export const ETCD_PKI_DIR = '/etc/etcd/pki';
export const ETCD_DATA_DIR = '/var/lib/ksctl-etcd';
export const ETCD_UNIT = 'ksctl-etcd';
export const ETCD_UNIT_PATH = `/etc/systemd/system/${ETCD_UNIT}.service`;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export { ETCD_BIN, ETCDCTL_BIN, ETCDUTL_BIN } from './etcd-install.js';

export interface EtcdPaths {
  pkiDir: string;
  dataDir: string;
}

const clientPort = (m: EtcdEndpoint): number => m.clientPort ?? ETCD_CLIENT_PORT;
const peerPort = (m: EtcdEndpoint): number => m.peerPort ?? ETCD_PEER_PORT;

/** Client URLs of every member, sorted: what k3s, kubeadm and etcdctl dial. */
export function etcdClientUrls(members: readonly EtcdEndpoint[]): string[] {
  return sortEndpoints(members).map((m) => httpsUrl(m.address, clientPort(m)));
}

function validateMembers(members: readonly EtcdEndpoint[], field: string): void {
  if (members.length === 0) throw new InputError('external etcd needs at least one member', [field]);
  members.forEach((m, i) => {
    assertName(m.name, `${field}[${i}].name`);
    // etcd binds its listen URLs, so they must be IP addresses.
    if (!isIP(m.address))
      throw new InputError(`${field}[${i}].address "${m.address}" must be an IP address`, [`${field}[${i}].address`]);
    assertPort(clientPort(m), `${field}[${i}].clientPort`);
    assertPort(peerPort(m), `${field}[${i}].peerPort`);
  });
  assertUnique(
    members.map((m) => m.name),
    `${field}[].name`,
  );
  assertUnique(
    members.flatMap((m) => [`${m.address}:${clientPort(m)}`, `${m.address}:${peerPort(m)}`]),
    `${field}[] address:port`,
  );
}

/** The member's command-line flags (the unit's ExecStart; tests launch a real etcd with them). */
export function etcdArgs(
  input: EtcdMemberInput,
  paths: EtcdPaths = { pkiDir: ETCD_PKI_DIR, dataDir: ETCD_DATA_DIR },
): string[] {
  assertName(input.cluster, 'cluster');
  validateMembers(input.members, 'members');
  const self = input.members.find((m) => m.name === input.name);
  if (!self) throw new InputError(`etcd member "${input.name}" is not in the member list`, ['name']);
  if (self.address !== input.address)
    throw new InputError(`etcd member "${input.name}" has address ${self.address}, not ${input.address}`, ['address']);
  const client = httpsUrl(self.address, clientPort(self));
  const loopback = httpsUrl('127.0.0.1', clientPort(self));
  const peer = httpsUrl(self.address, peerPort(self));
  const cluster = sortEndpoints(input.members).map((m) => `${m.name}=${httpsUrl(m.address, peerPort(m))}`);
  const pki = paths.pkiDir;
  return [
    `--name=${self.name}`,
    `--data-dir=${paths.dataDir}`,
    `--listen-client-urls=${[...new Set([client, loopback])].join(',')}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${cluster.join(',')}`,
    `--initial-cluster-state=${input.initialClusterState ?? 'new'}`,
    `--initial-cluster-token=ksctl-${input.cluster}`,
    '--client-cert-auth=true',
    `--trusted-ca-file=${pki}/ca.crt`,
    `--cert-file=${pki}/server.crt`,
    `--key-file=${pki}/server.key`,
    '--peer-client-cert-auth=true',
    `--peer-trusted-ca-file=${pki}/ca.crt`,
    `--peer-cert-file=${pki}/peer.crt`,
    `--peer-key-file=${pki}/peer.key`,
  ];
}

/** The systemd unit for one member. */
export function etcdUnit(input: EtcdMemberInput): string {
  const args = etcdArgs(input);
  return [
    '# Managed by ksctl.',
    '[Unit]',
    `Description=etcd member ${input.name} of ksctl cluster ${input.cluster}`,
    'Documentation=https://etcd.io/docs/',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=notify',
    'User=etcd',
    'Group=etcd',
    `ExecStart=${ETCD_BIN} \\`,
    ...args.map((a, i) => `  ${a}${i < args.length - 1 ? ' \\' : ''}`),
    'Restart=on-failure',
    'RestartSec=5s',
    // Readiness needs quorum, which depends on the other members: ksctl polls with its own deadline.
    'TimeoutStartSec=0',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * An etcdctl command line; `pkiVar` is a bash variable holding the certificate directory. By name:
 * ksctl's SSH sessions, sudo's secure_path and systemd all put /usr/local/bin (where it is installed)
 * before /usr/bin.
 */
function etcdctl(endpoints: string[], pkiVar: string): string {
  const certs = `--cacert="\${${pkiVar}}/ca.crt" --cert="\${${pkiVar}}/server.crt" --key="\${${pkiVar}}/server.key"`;
  return `etcdctl --endpoints=${shellQuote(endpoints.join(','))} ${certs} --dial-timeout=3s --command-timeout=5s`;
}

/** Install etcd if missing, place certs and the unit, start, and wait until this member answers. */
export function etcdMemberScript(input: EtcdMemberInput): Script {
  const unit = etcdUnit(input);
  const self = input.members.find((m) => m.name === input.name) as EtcdEndpoint;
  const pki = ETCD_PKI_DIR;
  const names = etcdMemberSecretNames(input.name);
  const release = input.release ?? ETCD_PINNED_RELEASE;
  const timeout = input.timeoutSeconds ?? 300;
  const files: ScriptFile[] = [
    { path: `${pki}/ca.crt`, mode: 0o644, contentRef: secretRef(SECRET_NAMES.etcdCaCert) },
    { path: `${pki}/server.crt`, mode: 0o644, contentRef: secretRef(names.serverCert) },
    { path: `${pki}/server.key`, mode: 0o600, contentRef: secretRef(names.serverKey) },
    { path: `${pki}/peer.crt`, mode: 0o644, contentRef: secretRef(names.peerCert) },
    { path: `${pki}/peer.key`, mode: 0o600, contentRef: secretRef(names.peerKey) },
  ];
  if (input.airgap)
    files.push({
      path: `${AIRGAP_DIR}/${etcdAirgapTarball(release)}`,
      mode: 0o644,
      contentRef: artifactRef(etcdAirgapTarball(release)),
    });
  return makeScript({
    name: 'etcd-member',
    description: `etcd ${release.version} member ${input.name} (${input.members.length} members)`,
    files,
    body: [
      `pki=${pki}`,
      // Uploads first: a missing certificate fails before anything is downloaded.
      'require_file "$pki/ca.crt" "$pki/server.crt" "$pki/server.key" "$pki/peer.crt" "$pki/peer.key"',
      ...etcdInstallLines(release, !!input.airgap),
      // A distribution package (if one was installed) starts its own etcd.service on the client port.
      'if [ -e /lib/systemd/system/etcd.service ] || [ -e /usr/lib/systemd/system/etcd.service ]; then',
      '  systemctl mask --now etcd.service',
      'fi',
      'if ! id -u etcd >/dev/null 2>&1; then',
      `  useradd --system --no-create-home --home-dir ${ETCD_DATA_DIR} --shell /usr/sbin/nologin etcd`,
      'fi',
      'chown root:etcd "$pki"',
      'chmod 0750 "$pki"',
      'chown root:root "$pki/ca.crt" "$pki/server.crt" "$pki/peer.crt"',
      'chmod 0644 "$pki/ca.crt" "$pki/server.crt" "$pki/peer.crt"',
      'chown etcd:etcd "$pki/server.key" "$pki/peer.key"',
      'chmod 0600 "$pki/server.key" "$pki/peer.key"',
      `ensure_dir ${ETCD_DATA_DIR} 0700`,
      `chown etcd:etcd ${ETCD_DATA_DIR}`,
      `write_file ${ETCD_UNIT_PATH} 0644 root:root ${heredoc(unit)}`,
      'systemctl daemon-reload',
      `systemctl enable ${ETCD_UNIT}`,
      // The binary is part of what is applied: a new release restarts the member onto it.
      `sum=$(sum_files ${ETCD_UNIT_PATH} ${ETCD_BIN} "$pki/ca.crt" "$pki/server.crt" "$pki/server.key" "$pki/peer.crt" "$pki/peer.key")`,
      // --no-block: a new member becomes ready only with quorum, so we poll instead of blocking.
      `if needs_apply ${ETCD_UNIT} "$sum"; then`,
      `  systemctl restart --no-block ${ETCD_UNIT}`,
      'else',
      `  systemctl start --no-block ${ETCD_UNIT}`,
      'fi',
      `log "waiting for etcd member ${input.name} (needs quorum: start the other members too)"`,
      `if ! wait_for ${timeout} 2 "etcd member ${input.name}" ${etcdctl([httpsUrl('127.0.0.1', clientPort(self))], 'pki')} endpoint health; then`,
      `  journalctl -u ${ETCD_UNIT} -n 40 --no-pager >&2 || true # diagnostics only`,
      `  die "etcd member ${input.name} did not become healthy"`,
      'fi',
      `mark_applied ${ETCD_UNIT} "$sum"`,
      `log "etcd member ${input.name} is healthy"`,
    ],
  });
}

/** Check the whole cluster: every member healthy and started, with a deadline. Runs on any member. */
export function etcdHealthScript(input: EtcdHealthInput): Script {
  validateMembers(input.members, 'members');
  const pki = input.pkiDir ?? ETCD_PKI_DIR;
  const timeout = input.timeoutSeconds ?? 300;
  return makeScript({
    name: 'etcd-health',
    description: `etcd cluster health (${input.members.length} members)`,
    body: [
      `pki=${shellQuote(pki)}`,
      'require_file "$pki/ca.crt" "$pki/server.crt" "$pki/server.key"',
      `etcd_ctl() { ${etcdctl(etcdClientUrls(input.members), 'pki')} "$@"; }`,
      'cluster_healthy() {',
      '  etcd_ctl endpoint health --cluster &&',
      `    [ "$(etcd_ctl member list | grep -c ', started, ')" -eq ${input.members.length} ]`,
      '}',
      `if ! wait_for ${timeout} 2 "all ${input.members.length} etcd members healthy" cluster_healthy; then`,
      '  etcd_ctl member list -w table >&2 || true # diagnostics only',
      '  die "etcd cluster is not healthy"',
      'fi',
      'etcd_ctl member list -w table',
      'etcd_ctl endpoint health --cluster',
    ],
  });
}

/** Stop and remove the member (data included). For deleting bring-your-own machines. */
export function etcdUninstallScript(): Script {
  return makeScript({
    name: 'etcd-uninstall',
    description: 'remove the ksctl etcd member',
    body: [
      `if [ -e ${ETCD_UNIT_PATH} ]; then`,
      `  systemctl disable --now ${ETCD_UNIT}`,
      `  rm -f ${ETCD_UNIT_PATH}`,
      '  systemctl daemon-reload',
      'fi',
      `rm -rf ${ETCD_DATA_DIR} ${ETCD_PKI_DIR} /var/lib/ksctl/applied/${ETCD_UNIT}`,
    ],
  });
}
