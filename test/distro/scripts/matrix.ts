/**
 * The input matrix every script test runs over: distribution × external/embedded etcd × 1/3 control
 * planes × air-gap on/off, and the full list of scripts a cluster of that shape runs.
 */
import { hostFactsScript } from '../../../src/distro/scripts/host-facts.js';
import {
  stackedHealthScript,
  stackedRestoreCleanupScript,
  stackedRestoreMemberScript,
  stackedSnapshotScript,
  staticPodScript,
} from '../../../src/distro/scripts/kubeadm-etcd-backup.js';
import {
  RESTORED_ETCD_PREFLIGHT,
  stackedSeedCleanupScript,
  stackedSeedScript,
} from '../../../src/distro/scripts/kubeadm-fresh-restore.js';
import {
  apiServerReadyScript,
  apiServerScript,
  etcdRestoreCleanupScript,
  etcdRestoreMemberScript,
  etcdServiceScript,
  etcdSnapshotScript,
  snapshotCleanupScript,
} from '../../../src/distro/scripts/etcd-backup.js';
import type { Distribution } from '../../../src/api/types.js';
import {
  etcdHealthScript,
  etcdMemberScript,
  etcdUninstallScript,
  haproxyScript,
  lbForwardingScript,
  k3sAgentJoinScript,
  k3sCaHashScript,
  k3sRestartScript,
  k3sServerInitScript,
  k3sServerInstallScript,
  k3sServerJoinScript,
  k3sUninstallScript,
  kubeadmCniScript,
  kubeadmInitScript,
  kubeadmInstallScript,
  kubeadmJoinControlPlaneScript,
  kubeadmJoinWorkerScript,
  kubeadmMintScript,
  kubeadmResetScript,
  type AirgapInput,
  type EtcdEndpoint,
  type KubeadmNodeInput,
  type NodeInput,
  type Script,
} from '../../../src/distro/scripts/index.js';
import { kubeadmUpgradeNodeScript, kubeadmUpgradeStageScript } from '../../../src/distro/scripts/kubeadm-upgrade.js';
import { k3sForgetSourceNodesScript } from '../../../src/distro/scripts/k3s-fresh-restore.js';

export interface Combo {
  distro: Distribution;
  external: boolean;
  controlPlanes: 1 | 3;
  airgap: boolean;
}

export const COMBOS: Combo[] = (['k3s', 'kubeadm'] as const).flatMap((distro) =>
  [true, false].flatMap((external) =>
    ([1, 3] as const).flatMap((controlPlanes) =>
      [false, true].map((airgap) => ({ distro, external, controlPlanes, airgap })),
    ),
  ),
);

export const comboName = (c: Combo): string =>
  `${c.distro} ${c.external ? 'external' : 'embedded'} etcd, ${c.controlPlanes} CP, airgap ${c.airgap ? 'on' : 'off'}`;

export const ETCD: EtcdEndpoint[] = [
  { name: 'etcd-2', address: '10.0.1.12' },
  { name: 'etcd-0', address: '10.0.1.10' },
  { name: 'etcd-1', address: '10.0.1.11' },
];

export const LB = { address: '10.0.0.5', publicAddress: '203.0.113.5' };
export const CA_HASH = `sha256:${'ab'.repeat(32)}`;
export const K3S_CA_HASH = 'cd'.repeat(32);

export function controlPlanes(n: number): { name: string; address: string }[] {
  return Array.from({ length: n }, (_, i) => ({ name: `cp-${i}`, address: `10.0.2.${10 + i}` }));
}

function airgapInput(c: Combo): AirgapInput | undefined {
  if (!c.airgap) return undefined;
  return c.distro === 'k3s'
    ? { images: ['k3s-airgap-images-amd64.tar.zst'] }
    : { packages: ['kubeadm_1.37.2-1.1_amd64.deb', 'kubelet_1.37.2-1.1_amd64.deb'], images: ['control-plane.tar'] };
}

export function nodeInput(c: Combo, node: { name: string; address: string }): KubeadmNodeInput {
  const input: NodeInput = {
    cluster: 'demo',
    kubernetesVersion: '1.37',
    node,
    providerId: `ksctl://demo/${node.name}`,
    loadBalancer: LB,
  };
  if (c.external) input.etcd = ETCD;
  const ag = airgapInput(c);
  if (ag) input.airgap = ag;
  return input;
}

/** Every script a cluster of this shape runs, on every machine. */
export function scriptsFor(c: Combo): Script[] {
  const cps = controlPlanes(c.controlPlanes);
  const worker = { name: 'wp-0', address: '10.0.3.10' };
  const ag = airgapInput(c);
  const out: Script[] = [
    hostFactsScript(),
    haproxyScript({ controlPlanes: cps, ...(ag ? { airgap: ag } : {}) }),
    lbForwardingScript(),
  ];
  if (c.external) {
    for (const m of ETCD) {
      out.push(
        etcdMemberScript({
          cluster: 'demo',
          name: m.name,
          address: m.address,
          members: ETCD,
          ...(ag ? { airgap: {}, version: 'v3.5.17' } : {}),
        }),
      );
    }
    out.push(etcdHealthScript({ members: ETCD }), etcdUninstallScript());
    // Backup and restore (managers/backup): the same members.
    out.push(
      etcdSnapshotScript({ member: 'etcd-0', file: 'demo-20261207t000000z.db' }),
      snapshotCleanupScript('demo-20261207t000000z.db'),
    );
    out.push(etcdServiceScript('stop'), etcdServiceScript('start'), etcdRestoreCleanupScript('abc', 'restore-abc.db'));
    out.push(
      etcdRestoreMemberScript({
        name: 'etcd-1',
        members: ETCD,
        file: 'restore-abc.db',
        sha256: 'a'.repeat(64),
        token: 'ksctl-demo-abc',
        tag: 'abc',
      }),
    );
    out.push(
      apiServerScript(c.distro, 'stop'),
      apiServerScript(c.distro, 'start'),
      apiServerReadyScript('/usr/local/bin/k3s kubectl get --raw=/readyz'),
    );
  }
  const [cp0, ...rest] = cps;
  if (!cp0) throw new Error('no control plane');
  if (c.distro === 'k3s') {
    out.push(k3sServerInitScript(nodeInput(c, cp0)));
    for (const cp of rest) out.push(k3sServerJoinScript({ ...nodeInput(c, cp), caHash: K3S_CA_HASH }));
    out.push(
      k3sAgentJoinScript(nodeInput(c, worker)),
      k3sCaHashScript(),
      k3sUninstallScript(),
      k3sRestartScript('server'),
      k3sRestartScript('agent'),
    );
    if (!c.external) {
      // create --restore from an embedded-etcd backup (managers/backup/fresh-restore-k3s.ts).
      const self = { name: cp0.name, providerId: `ksctl://demo/${cp0.name}` };
      out.push(
        k3sServerInstallScript(nodeInput(c, cp0)),
        k3sForgetSourceNodesScript('abc', self, [self, { name: 'wp-0', providerId: 'ksctl://demo/wp-0' }]),
      );
    }
  } else {
    out.push(kubeadmInstallScript({ kubernetesVersion: '1.37', ...(ag ? { airgap: ag } : {}) }));
    out.push(kubeadmInitScript(nodeInput(c, cp0)), kubeadmMintScript(nodeInput(c, cp0)));
    for (const cp of rest) out.push(kubeadmJoinControlPlaneScript({ ...nodeInput(c, cp), caCertHash: CA_HASH }));
    out.push(kubeadmJoinWorkerScript({ ...nodeInput(c, worker), caCertHash: CA_HASH }));
    // Upgrades (managers/selfmanaged/upgrade.ts): air-gapped ones name a patch, online ones may name a minor.
    for (const version of ag ? ['1.37.2'] : ['1.37', '1.37.2']) {
      const up = { version, ...(ag ? { airgap: ag } : {}), allowCgroupV1: true };
      out.push(
        kubeadmUpgradeStageScript(up),
        kubeadmUpgradeNodeScript({ ...up, first: true, node: cp0.name }),
        kubeadmUpgradeNodeScript({ ...up, first: false, node: worker.name }),
      );
    }
    // A mirror of pkgs.k8s.io (spec.kubeadm.packageRepository), online or air-gapped alike.
    const packageRepository = { url: 'http://mirror.lan/k8s/v{minor}/', keyUrl: 'http://mirror.lan/key.asc' };
    const mirrored = { version: '1.37', ...(ag ? { airgap: ag } : {}), packageRepository, allowCgroupV1: true };
    out.push(
      kubeadmInstallScript({ kubernetesVersion: '1.36', ...(ag ? { airgap: ag } : {}), packageRepository }),
      kubeadmUpgradeStageScript(mirrored),
      kubeadmUpgradeNodeScript({ ...mirrored, first: true, node: cp0.name }),
    );
    out.push(
      kubeadmCniScript(ag ? { airgap: ag } : {}),
      kubeadmResetScript(),
      kubeadmResetScript({ purgePackages: true }),
    );
    if (!c.external) {
      // Backup and restore of the stacked etcd (managers/backup/restore-stacked.ts): its members are the control planes.
      out.push(
        stackedSnapshotScript({ member: cp0.name, file: 'demo-20261207t000000z.db' }),
        staticPodScript('etcd', 'stop'),
        staticPodScript('etcd', 'start'),
        staticPodScript('kube-apiserver', 'stop'),
        stackedHealthScript({ members: cps }),
        stackedRestoreCleanupScript('abc', 'restore-abc.db'),
        stackedRestoreMemberScript({
          name: cp0.name,
          members: cps,
          file: 'restore-abc.db',
          sha256: 'a'.repeat(64),
          token: 'ksctl-demo-abc',
          tag: 'abc',
        }),
        // create --restore onto stacked etcd (managers/backup/fresh-restore-stacked.ts): before init on cp-0.
        stackedSeedScript({
          name: cp0.name,
          address: cp0.address,
          file: 'restore-abc.db',
          sha256: 'a'.repeat(64),
          token: 'ksctl-demo-abc',
          tag: 'abc',
        }),
        stackedSeedCleanupScript('abc', 'restore-abc.db'),
        kubeadmInitScript({ ...nodeInput(c, cp0), ignorePreflightErrors: [RESTORED_ETCD_PREFLIGHT] }),
      );
    }
  }
  return out;
}
