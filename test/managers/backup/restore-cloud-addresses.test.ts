/**
 * A restore on cloud machines, where the address ksctl connects to (public) is not the one the
 * members use (private) and the login user is the image's (`azureuser` here): every etcd peer and
 * client URL the restore's scripts name is a private address, no script names a public one, and each
 * per-machine step runs on its own machine. The cloud e2e files (test/e2e/{aws,azure,gcp}-selfmanaged)
 * run the whole restore for real, but their fakes give a VM one address for both, so only this
 * tells the two apart. The plans' steps run against a recording context; the staged snapshot is a
 * file in a temp directory (the fetch itself is test/e2e's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../../src/backup/manifest.js';
import type { BackupStorage } from '../../../src/backup/targets/types.js';
import type { Script } from '../../../src/distro/scripts/types.js';
import { backupRestoreSteps, type RestoreInput } from '../../../src/managers/backup/restore-plan.js';
import { stackedRestoreSteps } from '../../../src/managers/backup/restore-stacked.js';
import { Staging } from '../../../src/managers/backup/staging.js';
import type { BootstrapContext } from '../../../src/managers/selfmanaged/context.js';
import type { Step } from '../../../src/pipeline/types.js';
import type { Role } from '../../../src/api/types.js';
import type { Machine } from '../../../src/state/types.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-restore-addresses-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TAG = 't1';
const snapshot = Buffer.from('a staged etcd snapshot');
/** A staging directory holding the decrypted snapshot, as the fetch step leaves it. */
async function staged(name: string): Promise<Staging> {
  const s = new Staging(path.join(dir, name));
  await s.write(`restore-${TAG}.db`, snapshot);
  await s.write(`restore-${TAG}.db.sha256`, createHash('sha256').update(snapshot).digest('hex'));
  return s;
}

const machine = (name: string, role: Role, i: number): Machine => ({
  name,
  role,
  publicAddress: `203.0.113.${10 + i}`,
  privateAddress: `10.1.0.${10 + i}`,
  sshPort: 22,
  sshUser: 'azureuser',
  hostKeys: [],
  status: 'bootstrapped',
});

function recording(machines: Machine[]) {
  const ran: { machine: string; script: Script }[] = [];
  const ctx = {
    cluster: { id: { provider: 'azure', region: 'eastus', name: 'prod' } },
    distro: {
      name: machines.some((m) => m.role === 'etcd') ? 'k3s' : 'kubeadm',
      kubectl: (a: string) => `kubectl ${a}`,
    },
    signal: new AbortController().signal,
    machine: (n: string) => machines.find((m) => m.name === n)!,
    machinesOf: (r: Role) => machines.filter((m) => m.role === r),
    exec: async (m: Machine, scripts: Script[]) => {
      for (const script of scripts) ran.push({ machine: m.name, script });
      return scripts.map(() => '');
    },
    session: async () => ({ exec: async () => '', upload: async () => undefined }),
  } as unknown as BootstrapContext;
  return { ctx, ran };
}

const input = (etcd: string[], controlPlanes: string[], s: Staging): RestoreInput => ({
  tag: TAG,
  manifest: { name: 'prod-20261207t000000z' } as BackupManifest,
  storage: { url: 'az://acct/backups' } as BackupStorage,
  staging: s,
  key: Buffer.alloc(32),
  etcd,
  controlPlanes,
});

/** Runs every step but the fetch (the snapshot is staged already) in the plan's order. */
async function runAll(steps: Step<BootstrapContext>[], ctx: BootstrapContext): Promise<void> {
  for (const step of steps.slice(1)) await step.run(ctx);
}

describe.each([
  {
    shape: 'external etcd (k3s)',
    machines: [
      ...[0, 1, 2].map((i) => machine(`prod-etcd-${i}`, 'etcd', i)),
      ...[0, 1].map((i) => machine(`prod-controlplane-${i}`, 'controlplane', 3 + i)),
    ],
    members: ['prod-etcd-0', 'prod-etcd-1', 'prod-etcd-2'],
    plan: (s: Staging) =>
      backupRestoreSteps(
        input(['prod-etcd-0', 'prod-etcd-1', 'prod-etcd-2'], ['prod-controlplane-0', 'prod-controlplane-1'], s),
      ),
  },
  {
    shape: 'stacked etcd (kubeadm)',
    machines: [0, 1, 2].map((i) => machine(`prod-controlplane-${i}`, 'controlplane', i)),
    members: ['prod-controlplane-0', 'prod-controlplane-1', 'prod-controlplane-2'],
    plan: (s: Staging) =>
      stackedRestoreSteps(input([], ['prod-controlplane-0', 'prod-controlplane-1', 'prod-controlplane-2'], s)),
  },
])('restore of $shape on cloud machines (public ≠ private address)', ({ shape, machines, members, plan }) => {
  it('names only private addresses: peer URLs, health endpoints, API readiness', async () => {
    const s = await staged(shape.split(' ')[0]!);
    const { ctx, ran } = recording(machines);
    await runAll(plan(s), ctx);
    const text = ran.map((r) => `${r.script.body}\n${JSON.stringify(r.script.env ?? {})}`).join('\n');
    for (const m of machines) expect(text).not.toContain(m.publicAddress);
    // Each member restored with the whole member list at the private peer URLs, under its machine name.
    const cluster = members
      .map((n) => `${n}=https://${machines.find((m) => m.name === n)!.privateAddress}:2380`)
      .join(',');
    const restores = ran.filter((r) => /restore/.test(r.script.name) && r.script.body.includes('--initial-cluster'));
    expect(restores.map((r) => r.machine).sort()).toEqual([...members].sort());
    for (const r of restores) {
      const self = machines.find((m) => m.name === r.machine)!;
      expect(r.script.body).toContain(cluster);
      expect(r.script.body).toContain(`--initial-advertise-peer-urls=https://${self.privateAddress}:2380`);
      expect(r.script.body).toContain(`--name=${r.machine}`);
    }
  });
});
