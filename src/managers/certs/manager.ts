/**
 * `ksctl certs check|renew`: the certificates ksctl issued for a self-managed cluster's external
 * etcd, with their expiry, and their renewal from the same CA one machine at a time.
 */
import { DEFAULT_RENEW_WITHIN_DAYS, type RenewSelection } from '../../api/certs.js';
import { formatClusterId, type ClusterId } from '../../api/types.js';
import { InputError, NotFoundError } from '../../errors.js';
import type { ClusterState } from '../../state/types.js';
import { runOperation } from '../operation.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import type { SelfManagedManager } from '../selfmanaged/manager.js';
import type { ManagerDeps } from '../types.js';
import { RENEWAL_MARKER, readMarker, writeMarker } from './marker.js';
import { readReports } from './report.js';
import { renewSteps } from './renew-steps.js';
import { isDue, type CertReport } from './status.js';

export interface CheckResult {
  cluster: ClusterId;
  /** Certificates with less than this many days left are `expiring`. */
  withinDays: number;
  certificates: CertReport[];
}

export interface RenewRequest {
  selection: RenewSelection;
  validityDays: number;
  dryRun: boolean;
}

export interface RenewResult {
  cluster: ClusterId;
  dryRun: boolean;
  /** The certificates renewed, as they are afterwards (with dryRun: those that would be, as they are now). */
  renew: CertReport[];
  /** Machines that get new files, in the order they are done. */
  machines: string[];
}

function selfManagedState(s: ClusterState | undefined, id: ClusterId): ClusterState {
  if (!s) throw new NotFoundError(`cluster ${formatClusterId(id)} has no state`);
  if (s.type !== 'selfmanaged')
    throw new InputError(`${s.id.name} is a managed cluster: its certificates belong to the cloud`, ['cluster']);
  return s;
}

const bootstrapped = (s: ClusterState, role: string) =>
  Object.values(s.machines)
    .filter((m) => m.role === role && m.status === 'bootstrapped')
    .map((m) => m.name)
    .sort(new Intl.Collator('en', { numeric: true }).compare);

export class CertsManager {
  constructor(
    private readonly deps: ManagerDeps,
    private readonly selfManaged: () => Promise<SelfManagedManager>,
  ) {}

  /** Every certificate ksctl issued for the cluster, judged now. Reads state; changes nothing. */
  async check(id: ClusterId, withinDays = DEFAULT_RENEW_WITHIN_DAYS, now = new Date()): Promise<CheckResult> {
    const s = selfManagedState(await this.deps.store.read(id), id);
    return {
      cluster: id,
      withinDays,
      certificates: await readReports(s, this.deps.store.secrets(id), now, withinDays),
    };
  }

  async renew(id: ClusterId, req: RenewRequest): Promise<RenewResult> {
    if (req.dryRun) {
      const s = selfManagedState(await this.deps.store.read(id), id);
      const marker = await readMarker(this.deps.store.secrets(id));
      const since = marker && marker.all === req.selection.all ? new Date(marker.startedAt) : new Date();
      return this.planOf(
        s,
        await readReports(s, this.deps.store.secrets(id), new Date(), DEFAULT_RENEW_WITHIN_DAYS),
        req,
        since,
        marker?.due ?? [],
      );
    }
    // The operation outline (lock → load → preflight → plan → recorded run → release) as every update.
    let close: (() => void) | undefined;
    let due: string[] = [];
    let planned: RenewResult | undefined;
    const out = await runOperation<BootstrapContext, RenewResult | undefined>(this.deps, {
      kind: 'update',
      id,
      preflight: async (h) => void selfManagedState(h.state, id),
      plan: async (h) => {
        const s = h.state!;
        const now = new Date();
        // A renewal that did not finish is finished first, with what it set out to renew.
        const marker = await readMarker(h.secrets);
        const since = marker && marker.all === req.selection.all ? new Date(marker.startedAt) : now;
        planned = this.planOf(
          s,
          await readReports(s, h.secrets, now, DEFAULT_RENEW_WITHIN_DAYS),
          req,
          since,
          marker?.due ?? [],
        );
        if (planned.renew.length === 0) return { nothingToDo: true, result: planned };
        due = planned.renew.map((r) => r.id);
        await writeMarker(h.secrets, { startedAt: since.toISOString(), all: req.selection.all, due });
        const mgr = await this.selfManaged();
        const machinery = await mgr.machinery(s.spec);
        close = () => machinery.ssh.close();
        const run = { selection: req.selection, since, validityDays: req.validityDays };
        const steps = renewSteps(
          run,
          String(since.getTime()),
          new Set(due),
          bootstrapped(s, 'etcd'),
          bootstrapped(s, 'controlplane'),
        );
        return { steps, ctx: mgr.context(h, s.spec, machinery), concurrency: 1, result: undefined };
      },
      afterRun: async (h) => {
        await h.secrets.delete(RENEWAL_MARKER);
        // Report what the certificates are now (new not-after), not what they were.
        const after = await readReports(h.state!, h.secrets, new Date(), DEFAULT_RENEW_WITHIN_DAYS);
        planned = { ...planned!, renew: after.filter((r) => due.includes(r.id)) };
      },
      close: () => close?.(),
    });
    return out.result ?? planned!;
  }

  /** What a renewal does: the due certificates (plus those an unfinished renewal still owes) and the machines touched. */
  private planOf(s: ClusterState, reports: CertReport[], req: RenewRequest, since: Date, owed: string[]): RenewResult {
    const now = new Date();
    const renew = reports.filter((r) => owed.includes(r.id) || isDue(r, req.selection, now, since));
    const ids = new Set(renew.map((r) => r.id));
    const machines = [
      ...bootstrapped(s, 'etcd').filter((m) => ids.has(`etcd-server/${m}`) || ids.has(`etcd-peer/${m}`)),
      ...(ids.has('etcd-apiserver-client') ? bootstrapped(s, 'controlplane') : []),
    ];
    return { cluster: s.id, dryRun: req.dryRun, renew, machines };
  }
}
