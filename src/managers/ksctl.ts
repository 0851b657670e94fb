/**
 * KsctlManager: everything that works from local state alone — list, describe, resolve a name, switch
 * the kubeconfig context. Loads no SDK.
 */
import type { ClusterId, Provider } from '../api/types.js';
import { formatClusterId } from '../api/types.js';
import { InputError, NotFoundError, ProviderError } from '../errors.js';
import { contextName } from '../kubeconfig/naming.js';
import type { ClusterState } from '../state/types.js';
import type { ManagerDeps } from './types.js';

export interface ClusterFilter {
  provider?: Provider;
  region?: string;
}

export const KUBECONFIG_SECRET = 'kubeconfig';

export class KsctlManager {
  constructor(private readonly deps: Pick<ManagerDeps, 'store' | 'kubeconfig'>) {}

  list() {
    return this.deps.store.list();
  }

  /** A cluster by name; the name alone is enough when it is unique. */
  async resolve(name: string, filter: ClusterFilter = {}): Promise<ClusterId> {
    const ids = await this.deps.store.find(name, filter);
    if (ids.length === 0) {
      const where =
        filter.provider || filter.region
          ? ` (provider ${filter.provider ?? 'any'}, region ${filter.region ?? 'any'})`
          : '';
      throw new NotFoundError(`no cluster named "${name}"${where}`, { hint: "see 'ksctl get clusters'" });
    }
    if (ids.length > 1) {
      const list = ids.map((id) => `  ${formatClusterId(id)}`).join('\n');
      throw new InputError(
        `cluster name "${name}" is ambiguous; candidates:\n${list}\nnarrow it with --provider and --region`,
        ['name'],
      );
    }
    return ids[0]!;
  }

  async describe(id: ClusterId): Promise<ClusterState> {
    const s = await this.deps.store.read(id);
    if (!s) throw new NotFoundError(`cluster ${formatClusterId(id)} has no state`);
    return s;
  }

  /** Merge the cluster's context into the user's kubeconfig (kubectl's rules) and make it current. */
  async switch(id: ClusterId, setCurrent = true): Promise<{ context: string; files: string[] }> {
    const state = await this.describe(id);
    const text = await this.deps.store.secrets(id).get(KUBECONFIG_SECRET);
    if (!text) {
      throw new ProviderError(`cluster ${formatClusterId(id)} has no kubeconfig yet (phase: ${state.phase})`, {
        hint: state.phase === 'ready' ? undefined : 're-run `ksctl create cluster` to finish it',
      });
    }
    // The YAML machinery loads only here: list and describe never need it.
    const [{ entriesFrom, mergeEntries }, { parseKubeconfig }] = await Promise.all([
      import('../kubeconfig/merge.js'),
      import('../kubeconfig/file.js'),
    ]);
    const name = contextName(id);
    const entries = entriesFrom(await parseKubeconfig(text, 'the cluster kubeconfig'), name);
    const files = await mergeEntries(this.deps.kubeconfig, entries, setCurrent);
    return { context: name, files };
  }

  /** Remove exactly this cluster's entries from the user's kubeconfig. */
  async forget(id: ClusterId): Promise<string[]> {
    const { removeEntries } = await import('../kubeconfig/merge.js');
    return removeEntries(this.deps.kubeconfig, contextName(id));
  }
}
