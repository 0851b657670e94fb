/**
 * `delete cluster`: the ssh provider's machines stay the user's, so Kubernetes comes off every one (in
 * parallel) before the provider's destroy; a cloud's destroy deletes the machines with everything else.
 */
import type { SelfManagedCloud } from '../../../cloud/types.js';
import type { Step } from '../../../pipeline/types.js';
import type { Machine } from '../../../state/types.js';
import type { BootstrapContext } from '../context.js';
import { destroyStep } from '../../destroy-step.js';
import { uninstallStep } from '../steps/uninstall.js';

export function deleteSteps(provider: SelfManagedCloud, machines: Machine[], stamp: number): Step<BootstrapContext>[] {
  const uninstall =
    provider.provider === 'ssh'
      ? machines.filter((m) => m.role !== 'loadbalancer').map((m) => uninstallStep(m, stamp))
      : [];
  return [
    ...uninstall,
    destroyStep(
      provider,
      stamp,
      uninstall.map((s) => s.id),
    ),
  ];
}
