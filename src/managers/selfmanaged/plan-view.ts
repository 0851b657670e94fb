/**
 * What a dry run knows before anything exists, as a BootstrapView: the plan's machines (the ssh
 * provider's at their real addresses; a cloud's at stand-in addresses it has not assigned yet) and
 * stand-in secrets. Each stand-in is well-formed, so the script generators accept it, and `label`
 * turns it back into words in what `--dry-run` prints.
 */
import type { ClusterSpec } from '../../api/types.js';
import type { SelfManagedCloud } from '../../cloud/types.js';
import { CA_HASH_LABEL, CA_HASH_PLACEHOLDER, placeholderSecrets } from '../../distro/controllers/placeholders.js';
import type { DistroController } from '../../distro/controllers/types.js';
import type { Machine } from '../../state/types.js';
import { machineView, type BootstrapView } from './context.js';

/** 240.0.0.0/4 is reserved (never a real address) and passes the generators' IP checks. */
const PRIVATE_NET = 240;
const PUBLIC_NET = 241;
const PROVIDER_ID_SCHEME = 'ksctl-plan';

function standInAddress(net: number, i: number): string {
  return `${net}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

export interface PlanView {
  view: BootstrapView;
  /** Replaces every stand-in in `text` by what it stands for. */
  label(text: string): string;
}

export function planView(spec: ClusterSpec, provider: SelfManagedCloud, distro: DistroController): PlanView {
  const labels = new Map<string, string>();
  const machines: Record<string, Machine> = {};
  if (provider.provider === 'ssh') {
    for (const m of spec.machines) {
      machines[m.name] = {
        name: m.name,
        role: m.role,
        publicAddress: m.address,
        privateAddress: m.privateAddress ?? m.address,
        sshPort: m.port,
        sshUser: m.user,
        hostKeys: [],
        status: 'pending',
      };
    }
  } else {
    provider.machinePlan(spec).forEach((p, i) => {
      const priv = standInAddress(PRIVATE_NET, i + 1);
      labels.set(priv, `<${p.name} private address>`);
      const pub = p.role === 'loadbalancer' ? standInAddress(PUBLIC_NET, i + 1) : undefined;
      if (pub) labels.set(pub, `<${p.name} public address>`);
      const id = `${PROVIDER_ID_SCHEME}://${p.name}`;
      labels.set(id, `<${p.name} ${provider.provider} provider ID>`);
      machines[p.name] = {
        name: p.name,
        role: p.role,
        privateAddress: priv,
        ...(pub ? { publicAddress: pub } : {}),
        nodeProviderId: id,
        sshPort: 22,
        sshUser: '',
        hostKeys: [],
        status: 'pending',
      };
    });
  }
  labels.set(CA_HASH_PLACEHOLDER, CA_HASH_LABEL);
  const pattern = new RegExp(
    `\\b24[01](?:\\.\\d{1,3}){3}\\b|${PROVIDER_ID_SCHEME}://[A-Za-z0-9.-]+|${CA_HASH_PLACEHOLDER}`,
    'g',
  );
  return {
    view: machineView(spec, distro, placeholderSecrets, () => machines),
    label: (text) => text.replace(pattern, (s) => labels.get(s) ?? s),
  };
}
