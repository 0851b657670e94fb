/**
 * A step's `describe()` is what its `run()` runs: a whole create plan of the ssh provider runs (one
 * step at a time) against a recording SSH pool, and for every step the script bodies each machine
 * received equal, in order, what the step describes over the same run context afterwards.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import type { Distribution } from '../../src/api/types.js';
import { createSshProvider } from '../../src/cloud/ssh/index.js';
import type { SshPool, SshSession, SshTarget } from '../../src/distro/ssh/types.js';
import { buildCreatePlan } from '../../src/managers/selfmanaged/plans/create.js';
import type { BootstrapStep } from '../../src/managers/selfmanaged/steps/types.js';
import { runPlan } from '../../src/pipeline/executor.js';
import { memoryContext } from '../fakes/memory-cluster.js';
import { bootstrapOf, planSourceOf } from '../helpers/bootstrap.js';

const KUBECONFIG =
  'apiVersion: v1\nkind: Config\nclusters:\n- name: default\n  cluster:\n    server: https://127.0.0.1:6443\n';

/** Answers each script as a healthy machine would; records `machine: body` in the order received. */
function recordingPool(received: { step: () => string; log: Map<string, string[]> }): SshPool {
  return {
    async session(target: SshTarget): Promise<SshSession> {
      return {
        target,
        hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJlY29yZGluZw',
        async exec(_cmd, opts) {
          const body = String(opts?.stdin ?? '');
          const name = /^# ksctl ([\w.-]+):/m.exec(body)?.[1] ?? '';
          const key = received.step();
          received.log.set(key, [...(received.log.get(key) ?? []), `${target.name}: ${body}`]);
          const stdout =
            name === 'host-facts'
              ? 'cgroup-fs cgroup2fs\n'
              : name === 'k3s-ca-hash'
                ? `ca-hash ${'ab'.repeat(32)}\n`
                : name.endsWith('-version')
                  ? 'kubernetes-version kubernetes v1.37.2\nkubernetes-version distribution v1.37.2\n'
                  : '';
          return { code: 0, stdout, stderr: '' };
        },
        upload: async () => undefined,
        download: async () => Buffer.from(KUBECONFIG),
        downloadTo: async () => 0,
        close: () => undefined,
      };
    },
    closeAll: () => undefined,
  };
}

describe.each(['k3s', 'kubeadm'] as Distribution[])('%s: describe() is what run() runs', (distribution) => {
  it('for every step of a create plan with external etcd, on every machine, in order', async () => {
    const keyFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'ksctl-describe-')), 'id_ecdsa');
    writeFileSync(
      keyFile,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }),
      { mode: 0o600 },
    );
    const m = (name: string, role: string, address: string) => ({
      name,
      role: role as 'worker',
      address,
      user: 'root',
      keyFile,
    });
    const spec = applyDefaults({
      name: 'lab',
      provider: 'ssh',
      type: 'selfmanaged',
      distribution,
      controlPlane: { count: 2 },
      etcd: { count: 3 },
      machines: [
        m('lb', 'loadbalancer', '192.0.2.1'),
        m('e0', 'etcd', '192.0.2.5'),
        m('e1', 'etcd', '192.0.2.6'),
        m('e2', 'etcd', '192.0.2.7'),
        m('cp0', 'controlplane', '192.0.2.10'),
        m('cp1', 'controlplane', '192.0.2.11'),
        m('w0', 'worker', '192.0.2.20'),
      ],
    });
    const provider = createSshProvider();
    let current = '';
    const received = { step: () => current, log: new Map<string, string[]>() };
    const ctx = bootstrapOf(memoryContext(spec), provider, distribution, recordingPool(received));
    const steps = buildCreatePlan(spec, planSourceOf(provider, distribution));
    await runPlan({ steps }, ctx, {
      concurrency: 1,
      onEvent: (e) => void (e.type === 'start' && (current = e.step.id)),
    });

    let compared = 0;
    for (const s of steps as BootstrapStep[]) {
      if (typeof s.describe !== 'function') continue;
      const described = (await s.describe(ctx)).flatMap((x) =>
        x.scripts.map((script) => `${x.machine}: ${script.body}`),
      );
      // Not among a step's scripts: the join preparation on control plane 0 (k3s: the CA hash; kubeadm: a
      // fresh token, when the last is old) and the read-back of what a node runs (its version).
      const ran = (received.log.get(s.id) ?? []).filter(
        (r) => !/^cp0: .*# ksctl (k3s-ca-hash|kubeadm-mint):/s.test(r) && !/# ksctl [\w-]+-version:/.test(r),
      );
      expect(ran, s.id).toEqual(described);
      compared += described.length;
    }
    expect(compared).toBeGreaterThan(10);
  });
});
