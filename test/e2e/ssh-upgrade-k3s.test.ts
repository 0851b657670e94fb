/**
 * `ksctl upgrade cluster` of k3s on real SSH test hosts: 1 load balancer, 1 server (embedded etcd), 2
 * agents, created with the k3s binary of v1.36.3+k3s1 and upgraded to v1.37.2+k3s1 by swapping the
 * binary (air-gapped: the new one put into spec.airgap.dir, as a user would) and restarting each service,
 * server first, then the agents one at a time, each drained first and Ready at v1.37.2 before the next.
 * The k3s binary is the launcher stand-in (test/standins/k3s): it runs the REAL Kubernetes components of
 * the release it was installed as (kubernetes-v1.36.3/ or kubernetes-v1.37.2/, both built by
 * install-test-deps.sh), so the kubelet versions the API reports are the real ones. What the launcher does
 * not allow: k3s's own packaged parts do not change between the two releases (the launcher runs the same
 * etcd 3.6.14 and containerd 2.4.2 for both, and no flannel, traefik, servicelb, local-path-provisioner or
 * metrics-server, whose upgrade a real k3s restart would also roll), and the binary swap goes through the
 * installer stand-in. The upgrade first takes a backup of the embedded etcd (`k3s etcd-snapshot save`,
 * which the launcher runs with the real etcdctl), kept in the cluster's default backup directory.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { ROOT, clusterLog, ksctl, kubectl, sandbox, type CliResult, type Sandbox } from '../helpers/cli.js';
import { KUBERNETES_VERSION } from '../helpers/kube-binaries.js';
import { PREVIOUS_KUBERNETES_VERSION, imagesDir, kubernetesDir } from '../helpers/kubeadm-node.js';
import { availableReplicas, nodeVersions as readNodeVersions, until } from '../helpers/upgrade-e2e.js';
import { airgapDir, clusterFile, validHostKeys, writeKey } from '../helpers/ssh-cluster.js';

const roles = ['loadbalancer', 'controlplane', 'worker', 'worker'] as const;
const nodes = ['cp-0', 'w-0', 'w-1'];
const missing = [PREVIOUS_KUBERNETES_VERSION, KUBERNETES_VERSION]
  .map((v) => path.join(kubernetesDir(v), 'kubelet'))
  .filter((f) => !existsSync(f));
const out = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

let set: TestHostSet;
let sb: Sandbox;
let airgap: string;
const clusterDir = () => path.join(sb.ksctlHome, 'clusters/ssh/default/k3up');
const stateText = () => readFileSync(path.join(clusterDir(), 'state.json'), 'utf8');
const logTail = () => clusterLog(clusterDir());

const nodeVersions = () => readNodeVersions(sb.env);
const available = () => availableReplicas(sb.env, 'sleeper');
/** The k3s "binary" of a release in the air-gap directory (the launcher wrapper with that version baked in). */
const putK3s = (version: string) =>
  execFileSync('sh', [path.join(ROOT, 'test/standins/k3s/make-binary.sh'), path.join(airgap, 'k3s'), version]);

beforeAll(async () => {
  if (missing.length) return;
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length, {
    clientKey: { private: client.privateKey, public: client.publicKey },
    hostKey: validHostKeys(roles.length),
  });
  sb = sandbox();
  airgap = airgapDir(path.join(sb.dir, 'airgap'), `${PREVIOUS_KUBERNETES_VERSION}+k3s1`);
  const images = ['pause.tar', 'busybox.tar'];
  for (const f of images) copyFileSync(path.join(imagesDir(), f), path.join(airgap, f));
  writeFileSync(
    path.join(sb.dir, 'cluster.yaml'),
    clusterFile({
      name: 'k3up',
      distribution: 'k3s',
      roles: [...roles],
      hosts: set.hosts,
      keyFile: writeKey(sb.dir, client.privateKey),
      airgapDir: airgap,
      airgapImages: images,
      kubernetesVersion: '1.36',
    }),
  );
}, 120_000);
afterAll(async () => {
  await set?.teardown();
  sb?.cleanup();
});

describe.skipIf(missing.length > 0)(
  `upgrade k3s ${PREVIOUS_KUBERNETES_VERSION}+k3s1 → ${KUBERNETES_VERSION}+k3s1 (launcher stand-in)${missing.length ? ` (not built: ${missing.join(', ')})` : ''}`,
  () => {
    it('creates the cluster on the real v1.36.3 components, with a Deployment under a PodDisruptionBudget', async () => {
      const r = await ksctl(['create', 'cluster', '-f', path.join(sb.dir, 'cluster.yaml')], sb.env);
      expect(r.code, `${logTail()}\n${out(r)}`).toBe(0);
      const want = Object.fromEntries(nodes.map((n) => [n, `True/${PREVIOUS_KUBERNETES_VERSION}`]));
      expect(await until(async () => JSON.stringify(await nodeVersions()) === JSON.stringify(want), 300_000)).toBe(
        true,
      );
      expect(
        (
          await kubectl(
            [
              'create',
              'deployment',
              'sleeper',
              '--image=ksctl.test/busybox:1.35',
              '--replicas=2',
              '--',
              'sleep',
              '86400',
            ],
            sb.env,
          )
        ).code,
      ).toBe(0);
      expect(
        (await kubectl(['create', 'pdb', 'sleeper', '--selector=app=sleeper', '--min-available=1'], sb.env)).code,
      ).toBe(0);
      expect(await until(async () => (await available()) === 2, 240_000)).toBe(true);
    }, 900_000);

    it('backs up, then swaps the binary node by node with the budget honoured; every node Ready at v1.37.2', async () => {
      putK3s(`${KUBERNETES_VERSION}+k3s1`);
      const seen: (number | undefined)[] = [];
      let polling = true;
      const poll = (async () => {
        while (polling) {
          seen.push(await available());
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      let r: CliResult;
      try {
        r = await ksctl(['upgrade', 'cluster', 'k3up', '--k8s-version', '1.37.2'], sb.env);
      } finally {
        polling = false;
        await poll;
      }
      expect(r.code, `${logTail()}\n${out(r)}`).toBe(0);
      const answered = seen.filter((v): v is number => v !== undefined);
      expect(answered.length).toBeGreaterThan(5);
      expect(Math.min(...answered), `availability seen: ${seen.join(',')}`).toBeGreaterThanOrEqual(1);
      expect(await nodeVersions()).toEqual(Object.fromEntries(nodes.map((n) => [n, `True/${KUBERNETES_VERSION}`])));
      const s = JSON.parse(stateText()) as {
        versions: Record<string, string>;
        machines: Record<string, { installed?: { kubernetes: string; distribution: string } }>;
      };
      expect(s.versions.kubernetes).toBe(KUBERNETES_VERSION);
      for (const n of nodes)
        expect(s.machines[n]!.installed).toMatchObject({ distribution: `${KUBERNETES_VERSION}+k3s1` });
      // The backup the upgrade took first, of the embedded etcd at v1.36.
      const list = await ksctl(['backup', 'list', 'k3up', '-o', 'json'], sb.env);
      expect(list.code, out(list)).toBe(0);
      const backups = (JSON.parse(list.stdout) as { backups: { shape: { etcd: string; kubernetes: string } }[] })
        .backups;
      expect(backups.map((b) => b.shape)).toEqual([expect.objectContaining({ etcd: 'embedded', kubernetes: '1.36' })]);
    }, 1_200_000);
  },
);
