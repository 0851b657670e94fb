/**
 * What a day-2 dry run (a pool change, an upgrade's surge) describes its steps over: the machines state
 * knows, at their real addresses, plus the machines the run would create, at stand-in addresses (the
 * reserved 240.0.0.0/4, as plan-view.ts does for create) labelled back into words; stand-in secrets.
 * Nothing is connected to.
 */
import type { ClusterSpec } from '../../api/types.js';
import { CA_HASH_LABEL, CA_HASH_PLACEHOLDER, placeholderSecrets } from '../../distro/controllers/placeholders.js';
import type { DistroController } from '../../distro/controllers/types.js';
import type { ClusterState, Machine } from '../../state/types.js';
import { machineView } from './context.js';
import type { PoolChange } from './pool-change.js';
import type { PlanView } from './plan-view.js';

export function poolChangeView(state: ClusterState, change: PoolChange, distro: DistroController): PlanView {
  return plannedMachinesView(state, change.intent, change.runSpec, distro);
}

/** State's machines and `planned` (new ones, as their intent records them), over `spec`. */
export function plannedMachinesView(
  state: ClusterState,
  planned: Machine[],
  spec: ClusterSpec,
  distro: DistroController,
): PlanView {
  const labels = new Map<string, string>([[CA_HASH_PLACEHOLDER, CA_HASH_LABEL]]);
  const machines: Record<string, Machine> = structuredClone(state.machines);
  planned.forEach((m, i) => {
    if (m.privateAddress) return void (machines[m.name] = m); // the ssh provider's: its real address
    const addr = `240.255.${(i >> 8) & 255}.${i & 255}`;
    labels.set(addr, `<${m.name} private address>`);
    machines[m.name] = { ...m, privateAddress: addr, publicAddress: addr };
  });
  const pattern = new RegExp(`\\b240\\.255(?:\\.\\d{1,3}){2}\\b|${CA_HASH_PLACEHOLDER}`, 'g');
  return {
    view: machineView(spec, distro, placeholderSecrets, () => machines),
    label: (text) => text.replace(pattern, (s) => labels.get(s) ?? s),
  };
}
