/**
 * Bring your own machines (`--provider ssh`): the cluster file lists existing machines with their role,
 * address and SSH access; ksctl bootstraps them with the same pipeline as cloud VMs. Nothing is created
 * or deleted: `delete` uninstalls Kubernetes and leaves the machines. Logging in (key files, ssh-agent,
 * jump host) follows the spec, which the user's OpenSSH config filled in (managers/selfmanaged/ssh-login.ts).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { poolOf } from '../../api/pools.js';
import type { ClusterSpec, MachineSpec, Role } from '../../api/types.js';
import { InputError } from '../../errors.js';
import type { StepContext } from '../../pipeline/types.js';
import { ksctlProviderId } from '../../state/provider-id.js';
import type { Machine } from '../../state/types.js';
import type { PlannedMachine, SelfManagedCloud } from '../types.js';

function expand(p: string): string {
  return p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : path.resolve(p);
}

function specOf(spec: ClusterSpec, name: string): MachineSpec | undefined {
  return spec.machines.find((m) => m.name === name);
}

export function createSshProvider(): SelfManagedCloud {
  return {
    provider: 'ssh',
    kind: 'selfmanaged',
    async preflight(ctx) {
      // Logins (key files, passphrases, the agent) are checked by the runtime before anything is touched.
      if (ctx.spec.airgap.enabled && (!ctx.spec.airgap.dir || !existsSync(expand(ctx.spec.airgap.dir)))) {
        throw new InputError(
          `spec.airgap.dir: air-gapped installs need a directory with the install files${ctx.spec.airgap.dir ? ` (${ctx.spec.airgap.dir} does not exist)` : ''}`,
          ['spec.airgap.dir'],
        );
      }
      const missing = (ctx.spec.airgap.images ?? []).filter(
        (f) => ctx.spec.airgap.dir && !existsSync(path.join(expand(ctx.spec.airgap.dir), f)),
      );
      if (missing.length > 0) {
        throw new InputError(
          `spec.airgap.images: ${missing.join(', ')} not found in ${ctx.spec.airgap.dir}: put the image archives there or remove them from the list`,
          ['spec.airgap.images'],
        );
      }
    },
    plannedResources(spec) {
      return spec.machines.map((m) => ({
        kind: 'machine (existing)',
        name: m.name,
        details: { role: m.role, address: `${m.user}@${m.address}:${m.port}` },
      }));
    },
    infraSteps: () => [],
    machinePlan(spec): PlannedMachine[] {
      const seen: Partial<Record<Role, number>> = {};
      return spec.machines.map((m) => ({
        name: m.name,
        role: m.role,
        size: '',
        spot: false,
        index: (seen[m.role] = (seen[m.role] ?? -1) + 1),
        // A pool is the workers listed with it (spec.machines[].pool).
        ...(m.role === 'worker' ? { pool: poolOf(m) } : {}),
      }));
    },
    machineNeeds: () => [],
    async ensureMachine(ctx: StepContext, planned: PlannedMachine): Promise<Machine> {
      const m = specOf(ctx.spec, planned.name);
      if (!m) throw new InputError(`machine ${planned.name} is not in spec.machines`);
      const known = ctx.cluster.state?.machines[m.name];
      const machine: Machine = {
        name: m.name,
        role: m.role,
        ...(m.role === 'worker' ? { pool: poolOf(m) } : {}),
        publicAddress: m.address,
        privateAddress: m.privateAddress ?? m.address,
        sshPort: m.port,
        sshUser: m.user,
        // A key pinned on an earlier contact stays pinned; the spec's key, when given, wins.
        hostKeys: m.hostKey ? [m.hostKey] : (known?.hostKeys ?? []),
        nodeProviderId: ksctlProviderId(ctx.spec.name, m.name),
        status: known?.status ?? 'running',
      };
      await ctx.cluster.update((s) => {
        s.machines[m.name] = machine;
      });
      return machine;
    },
    async deleteMachine() {
      // The machine is the user's: the manager uninstalls Kubernetes from it; nothing to release here.
    },
    async destroy() {
      // The machines are the user's: the manager uninstalls Kubernetes from them; nothing to delete here.
    },
  };
}
