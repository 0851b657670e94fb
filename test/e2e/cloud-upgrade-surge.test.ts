/**
 * `ksctl upgrade cluster` of a self-managed k3s cluster on AWS through the CLI, its workers replaced by
 * surge machines (as Cluster API's MachineDeployment rolls with maxSurge 1, maxUnavailable 0), against
 * FakeAws in the ksctl subprocess, whose instances are SSH test hosts (as in test/e2e/aws-selfmanaged
 * .test.ts). The smallest cluster that shows it: a load balancer, one k3s server (embedded etcd) and two
 * agents of the default pool, created at v1.36.3+k3s1; two more hosts are the replacements' VMs.
 * - `--dry-run` prints the surge steps and changes nothing;
 * - a vCPU quota with no room for one more VM (FakeAws models EC2's VcpuLimitExceeded): the control
 *   plane is upgraded in place, then the upgrade stops saying `--in-place`, with no VM or record left;
 * - the quota raised, SIGKILL right after the second replacement's RunInstances (its answer lost), then
 *   the same command: that VM is the one used (launched once), each old worker drained (a Deployment
 *   under a PodDisruptionBudget keeps its minimum throughout) and its VM gone, the pool still 2, every
 *   node Ready at v1.37.2.
 * The k3s binary is the launcher stand-in (test/standins/k3s) running the REAL Kubernetes components of
 * each release (see test/e2e/ssh-upgrade-k3s.test.ts for what it does not do). Real: the CLI, the AWS
 * SDK, sshd, HAProxy, containerd, kubelet, kubectl. Stand-ins: the AWS APIs, cloud-init, k3s, systemctl.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { FakeAws } from '../fakes/aws/fake-aws.js';
import { ROOT, kubectl, type CliResult } from '../helpers/cli.js';
import { AWS_E2E } from '../helpers/aws-e2e.js';
import { cloudE2e, type CloudCluster } from '../helpers/cloud-e2e.js';
import { KUBERNETES_VERSION } from '../helpers/kube-binaries.js';
import { PREVIOUS_KUBERNETES_VERSION, imagesDir, kubernetesDir } from '../helpers/kubeadm-node.js';
import { airgapDir } from '../helpers/ssh-cluster.js';
import { availableReplicas, nodeVersions, until } from '../helpers/upgrade-e2e.js';

const NAME = 'surge';
const REGION = 'us-east-1';
const [W0, W1, S0, S1] = [0, 1, 2, 3].map((i) => `${NAME}-worker-${i}`) as [string, string, string, string];
const CP = `${NAME}-controlplane-0`;
const TO = KUBERNETES_VERSION.replace(/^v/, ''); // 1.37.2, as the flag takes it
const missing = [PREVIOUS_KUBERNETES_VERSION, KUBERNETES_VERSION]
  .map((v) => path.join(kubernetesDir(v), 'kubelet'))
  .filter((f) => !existsSync(f));

const { setUp, ksctl } = cloudE2e({
  ...AWS_E2E,
  region: REGION,
  clusters: { [NAME]: [0, 1, 2] },
  extraMachines: { [NAME]: [S0, S1] },
});

/** Two pods on the workers (not the server), at most one of them evicted at a time. */
const WORKLOAD = `apiVersion: apps/v1
kind: Deployment
metadata: { name: sleeper }
spec:
  replicas: 2
  selector: { matchLabels: { app: sleeper } }
  template:
    metadata: { labels: { app: sleeper } }
    spec:
      nodeSelector: { ksctl.io/pool: default }
      terminationGracePeriodSeconds: 1
      containers:
        - { name: sleep, image: ksctl.test/busybox:1.35, command: [sleep, '86400'] }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: sleeper }
spec:
  minAvailable: 1
  selector: { matchLabels: { app: sleeper } }
`;

describe.skipIf(missing.length > 0)(
  `aws: upgrade k3s ${PREVIOUS_KUBERNETES_VERSION} → ${KUBERNETES_VERSION}, workers replaced by surge machines${missing.length ? ` (not built: ${missing.join(', ')})` : ''}`,
  () => {
    let e: CloudCluster;
    let work: string;
    const out = (r: CliResult) => `${r.stdout}\n${r.stderr}\n${e.logTail()}`;
    const stateFile = () => path.join(e.sb.ksctlHome, 'clusters', 'aws', REGION, NAME, 'state.json');
    const state = () =>
      JSON.parse(readFileSync(stateFile(), 'utf8')) as {
        versions: Record<string, string>;
        spec: { nodePools: { name: string; count: number }[] };
        machines: Record<string, { status: string; replacedBy?: string; pool?: string }>;
      };
    const liveVms = () =>
      FakeAws.load(e.cloud)
        .inventory()
        .filter((r) => r.kind === 'instance')
        .map((r) => r.tags['Name']!)
        .sort();
    const leftoversOf = (name: string) =>
      FakeAws.load(e.cloud)
        .inventory()
        .filter((r) => r.tags['ksctl.io/machine'] === name)
        .map((r) => `${r.kind} ${r.id}`);
    /** Instances ever made under `name` (terminated ones too; a refused launch makes none). */
    const launchesOf = (name: string) =>
      Object.values(FakeAws.load(e.cloud).data.instances).filter((x) => x.tags['Name'] === name).length;
    /** What the pods and nodes say, for a failure message. */
    const podsDiag = async () =>
      [
        await kubectl(['get', 'pods', '-A', '-o', 'wide'], e.sb.env),
        await kubectl(['describe', 'pods', '-l', 'app=sleeper'], e.sb.env),
        await kubectl(['get', 'nodes', '--show-labels'], e.sb.env),
      ]
        .map((r) => `${r.stdout}${r.stderr}`)
        .join('\n');
    const upgrade = (...more: string[]) =>
      ksctl(['upgrade', 'cluster', NAME, '--k8s-version', TO, '--skip-backup', ...more], e.sb.env);

    beforeAll(async () => {
      e = await setUp(NAME);
      work = mkdtempSync(path.join(tmpdir(), 'ksctl-surge-'));
      // Created at the previous release: its k3s binary and the images the workload needs in the air-gap dir.
      const airgap = airgapDir(path.join(work, 'airgap'), `${PREVIOUS_KUBERNETES_VERSION}+k3s1`);
      const images = ['pause.tar', 'busybox.tar'];
      for (const f of images) copyFileSync(path.join(imagesDir(), f), path.join(airgap, f));
      const doc = parse(readFileSync(e.file, 'utf8')) as { spec: Record<string, unknown> };
      doc.spec['kubernetesVersion'] = PREVIOUS_KUBERNETES_VERSION.replace(/^v(\d+\.\d+)\..*$/, '$1');
      doc.spec['airgap'] = { enabled: true, dir: airgap, images };
      writeFileSync(e.file, stringify(doc));
      writeFileSync(path.join(work, 'workload.yaml'), WORKLOAD);
    }, 120_000);
    afterAll(() => {
      e?.sb.cleanup();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('creates the cluster at v1.36.3, with a Deployment under a PodDisruptionBudget on the workers', async () => {
      const r = await ksctl(['create', 'cluster', '-f', e.file], e.sb.env);
      expect(r.code, out(r)).toBe(0);
      const want = {
        [CP]: `True/${PREVIOUS_KUBERNETES_VERSION}`,
        [W0]: `True/${PREVIOUS_KUBERNETES_VERSION}`,
        [W1]: `True/${PREVIOUS_KUBERNETES_VERSION}`,
      };
      expect(
        await until(async () => JSON.stringify(await nodeVersions(e.sb.env)) === JSON.stringify(want), 300_000),
      ).toBe(true);
      const a = await kubectl(['apply', '-f', path.join(work, 'workload.yaml')], e.sb.env);
      expect(a.code, a.stderr).toBe(0);
      const up = await until(async () => (await availableReplicas(e.sb.env, 'sleeper')) === 2, 240_000);
      expect(up, up ? '' : await podsDiag()).toBe(true);
      // The new release's k3s binary, put where the machines get it from (as a user would before upgrading).
      execFileSync('sh', [
        path.join(ROOT, 'test/standins/k3s/make-binary.sh'),
        path.join(work, 'airgap', 'k3s'),
        `${KUBERNETES_VERSION}+k3s1`,
      ]);
    }, 900_000);

    it('--dry-run prints the surge steps and changes nothing', async () => {
      const before = { state: readFileSync(stateFile(), 'utf8'), cloud: readFileSync(e.cloud, 'utf8') };
      const r = await upgrade('--dry-run');
      expect(r.code, out(r)).toBe(0);
      for (const line of [
        `Upgrade ${CP} to Kubernetes ${TO} (first control plane)`,
        `New machine ${S0} for ${W0} (pool default, t3.large)`,
        `Worker ${S0} (join at Kubernetes ${TO})`,
        `k3s-agent@${S0}`,
        `Cordon, drain and delete node ${W0}`,
        `Delete VM ${W0} (with its disk and addresses)`,
        `New machine ${S1} for ${W1} (pool default, t3.large)`,
      ])
        expect(r.stdout).toContain(line);
      expect(readFileSync(stateFile(), 'utf8')).toBe(before.state);
      expect(readFileSync(e.cloud, 'utf8')).toBe(before.cloud);
    });

    it('no vCPU quota left for one more VM: stops saying --in-place, nothing of the new machine left', async () => {
      const fake = FakeAws.load(e.cloud);
      fake.config.quotas[REGION] = { onDemand: 8, spot: 8 }; // exactly what the four VMs use (2 vCPUs each)
      fake.save(e.cloud);
      const r = await upgrade();
      expect(r.code, out(r)).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`refused a new machine ${S0} to replace ${W0} .*VcpuLimitExceeded`));
      expect(r.stderr).toContain('--in-place');
      expect(liveVms()).toEqual([`${NAME}-loadbalancer-0`, CP, W0, W1].sort());
      expect(leftoversOf(S0)).toEqual([]);
      const s = state();
      expect(s.machines[S0]).toBeUndefined();
      expect(s.machines[W0]).toMatchObject({ status: 'bootstrapped' });
      expect(s.machines[W0]!.replacedBy).toBeUndefined();
      // The control plane went first, in place.
      expect((await nodeVersions(e.sb.env))[CP]).toBe(`True/${KUBERNETES_VERSION}`);
    }, 600_000);

    it('quota raised; SIGKILL right after the second new VM is launched; the same command converges', async () => {
      const fake = FakeAws.load(e.cloud);
      delete fake.config.quotas[REGION];
      fake.crashAt(2, 'after', 'ec2:RunInstances').save(e.cloud);
      const seen: (number | undefined)[] = [];
      let polling = true;
      const poll = (async () => {
        while (polling) {
          seen.push(await availableReplicas(e.sb.env, 'sleeper'));
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      try {
        const first = await upgrade();
        expect(first.signal, out(first)).toBe('SIGKILL');
        // The first worker is replaced; the second's new VM exists, its launch's answer lost.
        expect(liveVms()).toEqual([`${NAME}-loadbalancer-0`, CP, W1, S0, S1].sort());
        expect(leftoversOf(W0)).toEqual([]);
        let s = state();
        expect(s.machines[W0]).toBeUndefined();
        expect(s.machines[W1]!.replacedBy).toBe(S1); // state says which machine is which
        expect(s.machines[S1]).toMatchObject({ status: 'pending', pool: 'default' });
        expect(s.machines[S0]).toMatchObject({ status: 'bootstrapped', pool: 'default' });
        const shown = await ksctl(['get', 'cluster', NAME], e.sb.env);
        expect(shown.stdout).toMatch(new RegExp(`${W1} .*bootstrapped, replaced by ${S1}`));
        expect(shown.stdout).toMatch(/Upgrading: +to 1\.37\.2, unfinished/);

        const again = await upgrade();
        expect(again.code, out(again)).toBe(0);
        expect(launchesOf(S1)).toBe(1); // found by its tag, not launched again
        expect(launchesOf(S0)).toBe(1);
        expect(liveVms()).toEqual([`${NAME}-loadbalancer-0`, CP, S0, S1].sort());
        expect([...leftoversOf(W0), ...leftoversOf(W1)]).toEqual([]);
        expect(await nodeVersions(e.sb.env)).toEqual({
          [CP]: `True/${KUBERNETES_VERSION}`,
          [S0]: `True/${KUBERNETES_VERSION}`,
          [S1]: `True/${KUBERNETES_VERSION}`,
        });
        s = state();
        expect(Object.keys(s.machines).sort()).toEqual([`${NAME}-loadbalancer-0`, CP, S0, S1].sort());
        expect(s.spec.nodePools.find((p) => p.name === 'default')!.count).toBe(2);
        expect(s.versions.kubernetes).toBe(KUBERNETES_VERSION);
        expect(await until(async () => (await availableReplicas(e.sb.env, 'sleeper')) === 2, 120_000)).toBe(true);
      } finally {
        polling = false;
        await poll;
      }
      const answered = seen.filter((v): v is number => v !== undefined);
      expect(answered.length).toBeGreaterThan(5);
      expect(Math.min(...answered), `availability seen: ${seen.join(',')}`).toBeGreaterThanOrEqual(1);
    }, 1_200_000);

    it('delete cluster leaves nothing in the fake cloud', async () => {
      const r = await ksctl(['delete', 'cluster', NAME], e.sb.env);
      expect(r.code, out(r)).toBe(0);
      expect(FakeAws.load(e.cloud).inventory()).toEqual([]);
    }, 120_000);
  },
);
