/**
 * `ksctl upgrade cluster` on real SSH test hosts: a kubeadm cluster created at v1.36.3 (1 load balancer,
 * 3 external etcd members, 2 control planes behind it, so the first gets `kubeadm upgrade apply` and the
 * second `kubeadm upgrade node` while the API stays up through the other; 2 workers: the smallest shape
 * with a drain that has somewhere to move pods) upgraded to v1.37.2 with the real binaries of both releases (scripts/build-kubernetes.sh
 * builds both). ksctl's external etcd needs 3 members (its minimum); they are not upgraded. Air-gapped, as every kubeadm e2e here: the v1.36.3 packages are preinstalled
 * (test/hosts/kubeadm-node.sh), the v1.37.2 ones are .deb files in spec.airgap.dir
 * (test/helpers/kubeadm-debs.ts: real binaries in stand-in packages) and the v1.37.2 images replace the
 * v1.36.3 ones there, as a user of an air-gapped cluster would stage them. Checked: bad versions exit 2
 * and change nothing, `--dry-run` prints the plan and changes nothing, a Deployment under a
 * PodDisruptionBudget keeps its minimum available throughout, the API through the load balancer keeps
 * answering, a SIGKILL once the first control plane is upgraded and the same command again converge,
 * both control planes run v1.37.2's static pods and answer /version with it, and every node (and
 * `get cluster`) reports v1.37.2.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { ROOT, clusterLog, ksctl, kubectl, sandbox, startKsctl, type CliResult, type Sandbox } from '../helpers/cli.js';
import { writeKubeadmDebs } from '../helpers/kubeadm-debs.js';
import {
  PREVIOUS_KUBERNETES_VERSION,
  addImagesToAirgap,
  installKubeadmNodes,
  missingKubeadmNodeParts,
} from '../helpers/kubeadm-node.js';
import { KUBERNETES_VERSION } from '../helpers/kube-binaries.js';
import { adaptKubeProxy, availableReplicas, nodeVersions as readNodeVersions, until } from '../helpers/upgrade-e2e.js';
import { airgapDir, clusterFile, validHostKeys, writeKey } from '../helpers/ssh-cluster.js';

const roles = ['loadbalancer', 'etcd', 'etcd', 'etcd', 'controlplane', 'controlplane', 'worker', 'worker'] as const;
const controlPlanes = ['cp-0', 'cp-1'];
const nodes = [...controlPlanes, 'w-0', 'w-1'];
const missing = [...missingKubeadmNodeParts(PREVIOUS_KUBERNETES_VERSION), ...missingKubeadmNodeParts()];
const out = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

let set: TestHostSet;
let sb: Sandbox;
let airgap: string;

const clusterDir = () => path.join(sb.ksctlHome, 'clusters/ssh/default/up');
const stateText = () => readFileSync(path.join(clusterDir(), 'state.json'), 'utf8');
type State = {
  phase: string;
  versions: Record<string, string>;
  spec: { kubernetesVersion: string };
  steps: { id: string; status: string }[];
  machines: Record<string, { installed?: { kubernetes: string } }>;
};
const state = () => JSON.parse(stateText()) as State;
const logTail = () => clusterLog(clusterDir());

const nodeVersions = () => readNodeVersions(sb.env);
const available = () => availableReplicas(sb.env, 'sleeper');

beforeAll(async () => {
  if (missing.length) return;
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length, {
    clientKey: { private: client.privateKey, public: client.publicKey },
    hostKey: validHostKeys(roles.length),
  });
  sb = sandbox();
  airgap = airgapDir(path.join(sb.dir, 'airgap'));
  // The CNI: test/images/cni-bridge's manifest (the real bridge plugins), as in ssh-kubeadm.test.ts.
  copyFileSync(path.join(ROOT, 'test/images/cni-bridge/kube-flannel.yml'), path.join(airgap, 'kube-flannel.yml'));
  const images = addImagesToAirgap(airgap, PREVIOUS_KUBERNETES_VERSION);
  writeFileSync(
    path.join(sb.dir, 'cluster.yaml'),
    clusterFile({
      name: 'up',
      distribution: 'kubeadm',
      roles: [...roles],
      hosts: set.hosts,
      keyFile: writeKey(sb.dir, client.privateKey),
      airgapDir: airgap,
      airgapImages: images,
      kubernetesVersion: '1.36',
    }),
  );
  await installKubeadmNodes(set.hosts.slice(4), PREVIOUS_KUBERNETES_VERSION);
}, 180_000);
afterAll(async () => {
  await set?.teardown();
  sb?.cleanup();
});

describe.skipIf(missing.length > 0)(
  `upgrade kubeadm ${PREVIOUS_KUBERNETES_VERSION} → ${KUBERNETES_VERSION} on SSH test hosts${missing.length ? ` (not built: ${missing.join(', ')})` : ''}`,
  () => {
    it(`creates the cluster at ${PREVIOUS_KUBERNETES_VERSION} with a Deployment under a PodDisruptionBudget`, async () => {
      // kube-proxy v1.36's conntrack setting adapted to the test hosts while create runs (the helper says why).
      let creating = true;
      const kubeconfig = path.join(clusterDir(), 'secrets', 'kubeconfig');
      const adapted = adaptKubeProxy(kubeconfig, sb.env, sb.dir, () => creating);
      const r = await ksctl(['create', 'cluster', '-f', path.join(sb.dir, 'cluster.yaml')], sb.env);
      creating = false;
      expect(r.code, `${logTail()}\n${out(r)}`).toBe(0);
      expect(await adapted).toBe(true);
      const proxy = await kubectl(['-n', 'kube-system', 'get', 'configmap', 'kube-proxy', '-o', 'json'], sb.env);
      expect(proxy.stdout).toContain('maxPerCore: 0');
      const want = Object.fromEntries(nodes.map((n) => [n, `True/${PREVIOUS_KUBERNETES_VERSION}`]));
      if (!(await until(async () => JSON.stringify(await nodeVersions()) === JSON.stringify(want), 300_000))) {
        const conditions = await kubectl(
          [
            'get',
            'nodes',
            '-o',
            'jsonpath={range .items[*]}{.metadata.name}: {.status.conditions[?(@.type=="Ready")].message}{"\\n"}{end}',
          ],
          sb.env,
        );
        const kubelet = await set.hosts[4]!.exec('tail -n 25 /var/log/kubelet.service.log');
        expect.fail(
          `nodes: ${JSON.stringify(await nodeVersions())}\n${conditions.stdout}\ncp-0 kubelet:\n${kubelet.stdout}`,
        );
      }
      const deploy = await kubectl(
        // A pod that ends on SIGTERM, as a well-behaved workload does: a bare `sleep` as PID 1 ignores it,
        // and each drain would wait out the 30 s grace period for nothing.
        [
          'create',
          'deployment',
          'sleeper',
          '--image=ksctl.test/busybox:1.35',
          '--replicas=2',
          '--',
          'sh',
          '-c',
          'trap "exit 0" TERM; sleep 86400 & wait',
        ],
        sb.env,
      );
      expect(deploy.code, deploy.stderr).toBe(0);
      const budget = await kubectl(['create', 'pdb', 'sleeper', '--selector=app=sleeper', '--min-available=1'], sb.env);
      expect(budget.code, budget.stderr).toBe(0);
      expect(await until(async () => (await available()) === 2, 240_000)).toBe(true);
      expect(state().versions.kubernetes).toBe(PREVIOUS_KUBERNETES_VERSION);
    }, 1_200_000);

    it('refuses two minors ahead and a downgrade (exit 2, naming --k8s-version), changing nothing', async () => {
      const before = stateText();
      for (const [v, says] of [
        ['1.38', 'Kubernetes upgrades one minor at a time'],
        ['1.35', 'cannot be downgraded'],
        ['1.36.1', 'cannot be downgraded'],
        ['banana', 'is not a version'],
      ] as const) {
        const r = await ksctl(['upgrade', 'cluster', 'up', '--k8s-version', v], sb.env);
        expect(r.code, out(r)).toBe(2);
        expect(r.stderr).toContain('--k8s-version');
        expect(r.stderr).toContain(says);
      }
      const bad = await ksctl(
        ['upgrade', 'cluster', 'up', '--k8s-version', '1.37.2', '--drain-timeout', '5 parsecs'],
        sb.env,
      );
      expect(bad.code, out(bad)).toBe(2);
      expect(bad.stderr).toContain('--drain-timeout');
      expect(stateText()).toBe(before);
    }, 120_000);

    it('--dry-run prints the plan in order and changes nothing', async () => {
      // The new release staged where an air-gapped upgrade takes it from: its packages and images.
      writeKubeadmDebs(airgap, KUBERNETES_VERSION);
      addImagesToAirgap(airgap, KUBERNETES_VERSION);
      const before = stateText();
      const r = await ksctl(['upgrade', 'cluster', 'up', '--k8s-version', '1.37.2', '--dry-run'], sb.env);
      expect(r.code, out(r)).toBe(0);
      const lines = r.stdout.split('\n');
      const at = (s: string) => lines.findIndex((l) => l.includes(s));
      expect(at('Back up etcd')).toBeGreaterThan(0);
      expect(at('Stage Kubernetes 1.37.2 on w-1')).toBeGreaterThan(at('Back up etcd'));
      expect(at('Upgrade cp-0')).toBeGreaterThan(at('Stage Kubernetes 1.37.2 on w-1'));
      expect(lines[at('Upgrade cp-0')]).toContain('kubeadm-upgrade-apply@cp-0');
      expect(at('Upgrade cp-1')).toBeGreaterThan(at('Upgrade cp-0'));
      expect(lines[at('Upgrade cp-1')]).toContain('kubeadm-upgrade-node@cp-1');
      expect(at('Upgrade w-0')).toBeGreaterThan(at('Upgrade cp-1'));
      expect(lines[at('Upgrade w-0')]).toContain('kubeadm-upgrade-node@w-0');
      expect(at('Upgrade w-1')).toBeGreaterThan(at('Upgrade w-0'));
      expect(stateText()).toBe(before);
      for (const h of set.hosts.slice(4))
        expect((await h.exec('kubeadm version -o short')).stdout.trim()).toBe(PREVIOUS_KUBERNETES_VERSION);
    }, 120_000);

    it('upgrades with the budget honoured throughout; a SIGKILL after the control plane, then the same command converges', async () => {
      const args = ['upgrade', 'cluster', 'up', '--k8s-version', '1.37.2', '--drain-timeout', '10m'];
      const seen: (number | undefined)[] = [];
      let polling = true;
      const poll = (async () => {
        while (polling) {
          seen.push(await available());
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      try {
        const first = startKsctl(args, sb.env);
        const deadline = Date.now() + 900_000;
        while (Date.now() < deadline && first.child.exitCode === null) {
          if (state().machines['cp-0']?.installed?.kubernetes === KUBERNETES_VERSION) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        first.child.kill('SIGKILL');
        const killed = await first.done;
        expect(killed.signal, `${logTail()}\n${out(killed)}`).toBe('SIGKILL');
        expect(state().machines['cp-0']?.installed?.kubernetes).toBe(KUBERNETES_VERSION);
        expect(state().versions.upgradeTarget).toBe('1.37.2');
        const again = await ksctl(args, sb.env);
        expect(again.code, `${logTail()}\n${out(again)}`).toBe(0);
      } finally {
        polling = false;
        await poll;
      }
      const answered = seen.filter((v): v is number => v !== undefined);
      expect(answered.length).toBeGreaterThan(10);
      expect(Math.min(...answered), `availability seen: ${seen.join(',')}`).toBeGreaterThanOrEqual(1);
      // Two control planes behind the load balancer's /readyz checks: while one restarts its API server
      // the other answers, so the API stays up (a few polls may land before HAProxy marks one down).
      const unanswered = seen.length - answered.length;
      expect(unanswered, `availability seen: ${seen.join(',')}`).toBeLessThanOrEqual(3);
      const want = Object.fromEntries(nodes.map((n) => [n, `True/${KUBERNETES_VERSION}`]));
      expect(await nodeVersions()).toEqual(want);
      const s = state();
      expect(s.phase).toBe('ready');
      expect(s.versions.kubernetes).toBe(KUBERNETES_VERSION);
      expect(s.versions.upgradeTarget).toBeUndefined();
      expect(s.spec.kubernetesVersion).toBe('1.37.2');
      for (const n of nodes) expect(s.machines[n]!.installed!.kubernetes).toBe(KUBERNETES_VERSION);
      // The backup came first, and is there to restore.
      const list = await ksctl(['backup', 'list', 'up'], sb.env);
      expect(list.code, out(list)).toBe(0);
      expect(list.stdout).toMatch(/up-\d{8}t\d{6}z/);
      // Both control planes run the new static pods (cp-0 through `upgrade apply`, cp-1 through
      // `upgrade node`), each API server answers /version at the new release when asked directly, not
      // through the load balancer, and kube-proxy moved too; `get cluster` shows each machine's version.
      const pods = await kubectl(
        [
          'get',
          'pods',
          '-n',
          'kube-system',
          '-o',
          'jsonpath={range .items[*]}{.spec.nodeName}={.spec.containers[0].image}{"\\n"}{end}',
        ],
        sb.env,
      );
      const images = pods.stdout.split('\n');
      for (const cp of controlPlanes)
        for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'])
          expect(images, `${cp} ${c}`).toContain(`${cp}=registry.k8s.io/${c}:${KUBERNETES_VERSION}`);
      for (const n of nodes) expect(images).toContain(`${n}=registry.k8s.io/kube-proxy:${KUBERNETES_VERSION}`);
      for (const [i, cp] of controlPlanes.entries()) {
        const server = `https://${set.hosts[4 + i]!.address}:6443`;
        const v = await kubectl(['--server', server, 'get', '--raw', '/version', '--request-timeout', '10s'], sb.env);
        expect(v.code, `${cp}: ${v.stderr}`).toBe(0);
        expect((JSON.parse(v.stdout) as { gitVersion: string }).gitVersion, cp).toBe(KUBERNETES_VERSION);
      }
      const get = await ksctl(['get', 'cluster', 'up'], sb.env);
      for (const n of nodes)
        expect(get.stdout).toMatch(new RegExp(`${n}\\b.*${KUBERNETES_VERSION.replace(/\./g, '\\.')}`));
      // Done: the same upgrade again is refused as already done (exit 2), nothing changes.
      const before = stateText();
      const done = await ksctl(args, sb.env);
      expect(done.code, out(done)).toBe(2);
      expect(done.stderr).toContain('already runs');
      expect(stateText()).toBe(before);
    }, 2_400_000);
  },
);
