/**
 * Kubernetes API STAND-IN for simulated upgrades (test/helpers/upgrade-sim.ts): implements
 * KubernetesManager's node calls over in-memory nodes. A drain takes `drainMs` and cordons; a node's
 * kubelet reports the new version (v1.37.2, what the SSH stand-in's kubeadm-version read-back prints)
 * and is Ready `readyMs` after its upgrade script (kubeadm-upgrade-apply/node) finished on the SSH
 * stand-in, as a restarted kubelet registers again. A worker whose join script (kubeadm-join-worker)
 * ran registers then, at the new version (an upgrade's replacement machine); a deleted Node is gone.
 * The real API client is tested against a real control plane (test/kubernetes/); this only stands in
 * for the cluster in a benchmark and the upgrade's unit tests.
 */
import type { ClusterId } from '../../src/api/types.js';
import type {
  DrainOptions,
  DrainResult,
  KubernetesManager,
  NodeInfo,
  NodeMetadata,
  OnboardingWant,
} from '../../src/managers/kubernetes.js';
import { DrainBlockedError } from '../../src/managers/kubernetes/drain.js';
import type { StandinClock, StandinSshPool } from './ssh-pool-standin.js';

export const UPGRADED_TO = 'v1.37.2';

export interface KubeStandinTimings {
  drainMs: number;
  /** Per node, where drains differ (control planes hold no budgeted pods); default drainMs. */
  drainMsOf?: (node: string) => number;
  /** From the end of the node's upgrade script to Ready at the new version. */
  readyMs: number;
  /** How often ksctl polls the node (UpgradeOptions.pollMs); default 1000. */
  pollMs?: number;
}

interface StandinNode {
  name: string;
  unschedulable: boolean;
}

export class KubeNodesStandin implements KubernetesManager {
  private readonly all = new Map<string, StandinNode>();
  private readonly deleted = new Set<string>();
  /** Every call, in order: `drain w-0`, `uncordon w-0`, ... */
  readonly calls: string[] = [];
  /** Nodes whose next drain a budget blocks (fault injection: DrainBlockedError), once each. */
  readonly failDrain = new Set<string>();

  constructor(
    private readonly clock: StandinClock,
    names: string[],
    private readonly from: string,
    private readonly timings: KubeStandinTimings,
    private readonly pool: StandinSshPool,
  ) {
    for (const name of names) this.all.set(name, { name, unschedulable: false });
  }

  /** Workers that joined since (their kubelet registered), unless their Node was deleted. */
  private registerJoined(): void {
    for (const e of this.pool.log)
      if (e.what === 'kubeadm-join-worker' && Number.isFinite(e.end) && !this.all.has(e.machine))
        if (!this.deleted.has(e.machine)) this.all.set(e.machine, { name: e.machine, unschedulable: false });
  }

  private info(n: StandinNode): NodeInfo {
    const upgraded = this.pool.log.find(
      (e) =>
        e.machine === n.name && /^kubeadm-(upgrade-(apply|node)|join-worker)$/.test(e.what) && Number.isFinite(e.end),
    );
    const restarted = upgraded !== undefined;
    const ready = !restarted || this.clock.now() >= upgraded.end + this.timings.readyMs;
    return {
      name: n.name,
      ready,
      readySince: new Date(0).toISOString(),
      labels: {},
      taints: [],
      kubeletVersion: restarted && ready ? UPGRADED_TO : this.from,
      unschedulable: n.unschedulable,
      createdAt: new Date(0).toISOString(),
    };
  }

  private node(name: string): StandinNode {
    this.registerJoined();
    const n = this.all.get(name);
    if (!n) throw new Error(`kube stand-in: no node ${name}`);
    return n;
  }

  async nodes(_id: ClusterId): Promise<NodeInfo[]> {
    this.registerJoined();
    return [...this.all.values()].map((n) => this.info(n));
  }
  async cordon(_id: ClusterId, name: string): Promise<NodeInfo> {
    this.calls.push(`cordon ${name}`);
    this.node(name).unschedulable = true;
    return this.info(this.node(name));
  }
  async uncordon(_id: ClusterId, name: string): Promise<NodeInfo> {
    this.calls.push(`uncordon ${name}`);
    this.node(name).unschedulable = false;
    return this.info(this.node(name));
  }
  async setNodeMetadata(_id: ClusterId, name: string, _want: NodeMetadata): Promise<NodeInfo> {
    return this.info(this.node(name));
  }
  async drain(_id: ClusterId, name: string, opts: DrainOptions): Promise<DrainResult> {
    this.calls.push(`drain ${name}`);
    this.node(name).unschedulable = true;
    if (this.failDrain.delete(name))
      throw new DrainBlockedError(`stand-in: drain of ${name} refused`, name, ['default/p'], ['default/pdb'], 'wait');
    await this.clock.sleep(this.timings.drainMsOf?.(name) ?? this.timings.drainMs, opts.signal);
    return { node: name, evicted: [], deleted: [], skipped: [], retries: 0 };
  }
  async drainNodes(id: ClusterId, names: string[], opts: DrainOptions): Promise<DrainResult[]> {
    const out: DrainResult[] = [];
    for (const n of names) out.push(await this.drain(id, n, opts));
    return out;
  }
  async deleteNode(_id: ClusterId, name: string): Promise<boolean> {
    this.calls.push(`delete ${name}`);
    this.deleted.add(name);
    return this.all.delete(name);
  }
  async waitOnboarded(_id: ClusterId, name: string, _want: OnboardingWant): Promise<NodeInfo> {
    return this.info(this.node(name));
  }
}
