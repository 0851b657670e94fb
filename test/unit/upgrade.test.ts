/**
 * `upgrade cluster` without machines: its flags (exit 2 naming the flag), and the self-managed upgrade
 * run for real (manager, plan, executor, state store) over the SSH and Kubernetes API stand-ins
 * (test/helpers/upgrade-sim.ts): the order (every node staged, then the first control plane's
 * `kubeadm upgrade apply`, the other control planes, the workers pool by pool, each drained, upgraded,
 * uncordoned and Ready at the new version before the next), a failure that stops it with state saying
 * where, the re-run that resumes without redoing what was done, and --dry-run writing nothing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDrainTimeout, upgradeRequest } from '../../src/api/upgrade-flags.js';
import { InputError } from '../../src/errors.js';
import type { ClusterState } from '../../src/state/types.js';
import { FROM, upgradeSim, type UpgradeSim } from '../helpers/upgrade-sim.js';

const fast = {
  ssh: {
    connectMs: 1,
    scriptMs: { 'kubeadm-upgrade-stage': 20, 'kubeadm-upgrade-apply': 40, 'kubeadm-upgrade-node': 20 },
    otherExecMs: 2,
    uploadMs: 0,
    downloadMs: 1,
  },
  kube: { drainMs: 10, readyMs: 30, pollMs: 5 },
};

describe('upgrade flags', () => {
  const field = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as InputError).fields;
    }
    throw new Error('no error');
  };
  it('needs a version of the forms ksctl takes', () => {
    expect(field(() => upgradeRequest({}))).toEqual(['--k8s-version']);
    expect(field(() => upgradeRequest({ k8sVersion: 'latest' }))).toEqual(['--k8s-version']);
    expect(upgradeRequest({ k8sVersion: '1.37' })).toMatchObject({ to: '1.37', backup: true, dryRun: false });
  });
  it('parses --drain-timeout as kubectl durations, 1 s to 24 h', () => {
    expect(parseDrainTimeout('300')).toBe(300_000);
    expect(parseDrainTimeout('5m')).toBe(300_000);
    expect(parseDrainTimeout('1h30m')).toBe(5_400_000);
    for (const bad of ['5 parsecs', '0s', '25h', '-1m', '1.5m', ''])
      expect(field(() => parseDrainTimeout(bad))).toEqual(['--drain-timeout']);
    const r = upgradeRequest({ k8sVersion: '1.37.2', drainTimeout: '10m', force: true, skipBackup: true });
    expect(r.drain).toEqual({ timeoutMs: 600_000, force: true, deleteEmptyDirData: false });
    expect(r.backup).toBe(false);
  });
});

describe('self-managed upgrade over stand-ins', () => {
  let sim: UpgradeSim | undefined;
  afterEach(() => sim?.cleanup());
  const state = async () => (await sim!.store.read(sim!.id)) as ClusterState;
  const scriptRuns = (what: string) => sim!.pool.log.filter((e) => e.what === what);

  it('stages every node, then upgrades control planes one at a time, then each pool rolling', async () => {
    sim = await upgradeSim({ controlPlanes: 2, workers: 3, pools: ['b', 'a'] }, fast.ssh, fast.kube);
    await sim.upgrade({});
    const log = sim.pool.log;
    const stages = scriptRuns('kubeadm-upgrade-stage');
    expect(stages.map((e) => e.machine).sort()).toEqual(['cp-0', 'cp-1', 'w-0', 'w-1', 'w-2']);
    const upgrades = log.filter((e) => /^kubeadm-upgrade-(apply|node)$/.test(e.what));
    // Workers: pool a (w-1) before pool b (w-0, w-2).
    expect(upgrades.map((e) => `${e.what.slice(16)} ${e.machine}`)).toEqual([
      'apply cp-0',
      'node cp-1',
      'node w-1',
      'node w-0',
      'node w-2',
    ]);
    expect(Math.min(...upgrades.map((e) => e.start))).toBeGreaterThanOrEqual(Math.max(...stages.map((e) => e.end)));
    for (let i = 1; i < upgrades.length; i++) expect(upgrades[i]!.start).toBeGreaterThan(upgrades[i - 1]!.end);
    // Each node drained before, uncordoned after, and the next drained only after that.
    expect(sim.kube.calls).toEqual(
      ['cp-0', 'cp-1', 'w-1', 'w-0', 'w-2'].flatMap((n) => [`drain ${n}`, `uncordon ${n}`]),
    );
    const s = await state();
    expect(s.phase).toBe('ready');
    expect(s.spec.kubernetesVersion).toBe('1.37.2');
    expect(s.versions.kubernetes).toBe('v1.37.2');
    expect(Object.keys(s.versions).filter((k) => k.startsWith('upgrade'))).toEqual([]);
    for (const m of Object.values(s.machines))
      if (m.role === 'controlplane' || m.role === 'worker') expect(m.installed?.kubernetes).toBe('v1.37.2');
      else expect(m.installed).toBeUndefined(); // etcd and the load balancer are not touched
    expect(log.some((e) => ['etcd-0', 'etcd-1', 'etcd-2', 'lb-0'].includes(e.machine))).toBe(false);
  });

  it('stops at the first failure with state saying where; the re-run resumes from that node', async () => {
    sim = await upgradeSim({ controlPlanes: 1, workers: 2 }, fast.ssh, fast.kube);
    sim.kube.failDrain.add('w-1');
    await expect(sim.upgrade({})).rejects.toThrow(/drain of w-1 refused/);
    let s = await state();
    expect(s.phase).toBe('failed');
    expect(s.versions.upgradeTarget).toBe('1.37.2');
    expect(s.versions.kubernetes).toBe(FROM); // the cluster's version moves only at the end
    expect(s.machines['w-0']!.installed?.kubernetes).toBe('v1.37.2');
    expect(s.machines['w-1']!.installed?.kubernetes).toBe(FROM);
    const failed = s.steps.filter((x) => x.status === 'failed').map((x) => x.id);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^upgrade\/[a-z0-9]+\/node\/w-1$/);
    // Another version while this one is unfinished: refused, nothing written.
    const before = readFileSync(path.join(sim.store.root, 'clusters/ssh/default/sim/state.json'), 'utf8');
    await expect(sim.upgrade({ to: '1.37.1' })).rejects.toThrow(/upgrade of sim to 1.37.2 is unfinished/);
    expect(readFileSync(path.join(sim.store.root, 'clusters/ssh/default/sim/state.json'), 'utf8')).toBe(before);

    await sim.upgrade({});
    s = await state();
    expect(s.phase).toBe('ready');
    expect(s.machines['w-1']!.installed?.kubernetes).toBe('v1.37.2');
    expect(scriptRuns('kubeadm-upgrade-apply')).toHaveLength(1); // not run again
    expect(scriptRuns('kubeadm-upgrade-node').map((e) => e.machine)).toEqual(['w-0', 'w-1']);
    expect(scriptRuns('kubeadm-upgrade-stage')).toHaveLength(3);
  });

  it('--dry-run describes the plan with its scripts and writes nothing; bad versions write nothing', async () => {
    sim = await upgradeSim({ controlPlanes: 1, workers: 1 }, fast.ssh, fast.kube);
    const file = path.join(sim.store.root, 'clusters/ssh/default/sim/state.json');
    const before = readFileSync(file, 'utf8');
    const r = await sim.upgrade({ dryRun: true, backup: true });
    expect(r.steps.map((x) => x.title)).toEqual([
      'Back up etcd first (ksctl backup create, to the default target)',
      'Stage Kubernetes 1.37.2 on cp-0',
      'Stage Kubernetes 1.37.2 on w-0',
      'Upgrade cp-0 to Kubernetes 1.37.2 (first control plane)',
      'Upgrade w-0 to Kubernetes 1.37.2',
      "Record Kubernetes 1.37.2 as the cluster's version",
    ]);
    const scripts = r.steps.flatMap((x) => (x.details?.scripts as { name: string; body: string }[] | undefined) ?? []);
    expect(scripts.map((x) => x.name)).toEqual([
      'kubeadm-upgrade-stage',
      'kubeadm-upgrade-stage',
      'kubeadm-upgrade-apply',
      'kubeadm-upgrade-node',
    ]);
    expect(scripts[2]!.body).toContain('kubeadm upgrade apply "$v" --yes');
    for (const [to, says] of [
      ['1.38', 'one minor at a time'],
      ['1.35', 'cannot be downgraded'],
    ] as const)
      await expect(sim.upgrade({ to })).rejects.toThrow(says);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(sim.pool.log).toEqual([]);
  });
});
