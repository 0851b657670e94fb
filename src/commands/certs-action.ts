/** The work behind `certs check` / `certs renew`. Output carries public facts only, never a key. */
import { certValidityDays, renewSelection } from '../api/certs.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { CertReport } from '../managers/certs/status.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import type { SelectFlags } from './get.js';
import type { RenewFlags } from './certs.js';
import { printData, renderTable } from './output.js';
import { sudoPasswordFor } from './sudo-password.js';
import type { SelfManagedManager } from '../managers/selfmanaged/manager.js';

const day = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

/** The table `certs check` prints (also used for `renew --dry-run`). */
export function certsTable(reports: readonly CertReport[]): string {
  return renderTable(
    ['CERTIFICATE', 'SUBJECT', 'NOT AFTER', 'DAYS LEFT', 'STATUS', 'USED BY', 'SANS'],
    reports.map((r) => [
      r.id,
      r.subject,
      day(r.notAfter),
      String(r.daysLeft),
      `${r.status}${r.renewable ? '' : ' (CA, kept)'}${r.keyMatches ? '' : ' (key does not match: renew)'}`,
      r.usedBy.join(',') || '-',
      r.sans.join(',') || '-',
    ]),
  );
}

async function certsManager(g: GlobalOptions, cenv: CommandEnv, cluster: string, flags: SelectFlags, progress = false) {
  const io = cenv.io(g);
  const ksctl = new KsctlManager(managerDeps(g, cenv, io));
  const id = await ksctl.resolve(cluster, flags);
  const p = progress ? io.progress() : undefined;
  const base = managerDeps(g, cenv, io, p);
  const { CertsManager } = await import('../managers/certs/manager.js');
  const { lifecycleFor } = await import('../managers/index.js');
  const mgr = (deps: typeof base) =>
    new CertsManager(deps, async () => (await lifecycleFor('selfmanaged', deps)) as SelfManagedManager);
  return { io, id, ksctl, base, progress: p, mgr };
}

export async function checkCerts(
  cluster: string,
  flags: SelectFlags,
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  const { io, id, base, mgr } = await certsManager(g, cenv, cluster, flags);
  const r = await mgr(base).check(id);
  const attention = r.certificates.filter((c) => c.status !== 'ok').length;
  await printData(io, g.output, r, () =>
    r.certificates.length === 0
      ? `${cluster} has no certificates issued by ksctl (no external etcd).`
      : `${certsTable(r.certificates)}\n\n${attention === 0 ? `All ${r.certificates.length} certificates are valid for more than ${r.withinDays} days.` : `${attention} certificate(s) expire within ${r.withinDays} days or have expired: run 'ksctl certs renew ${cluster}'.`}`,
  );
}

export async function renewCerts(
  cluster: string,
  flags: RenewFlags,
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  // Bad flags or environment: exit 2 before state is read or a machine is reached.
  const selection = renewSelection(flags);
  const validityDays = certValidityDays(cenv.env);
  const dryRun = !!flags.dryRun;
  const { io, id, ksctl, base, progress, mgr } = await certsManager(g, cenv, cluster, flags, !dryRun);
  let result;
  try {
    const state = await ksctl.describe(id);
    const sudoPassword =
      dryRun || state.type !== 'selfmanaged' ? undefined : await sudoPasswordFor(state.spec, io, cenv.env);
    result = await mgr({ ...base, ...(sudoPassword ? { sudoPassword } : {}) }).renew(id, {
      selection,
      validityDays,
      dryRun,
    });
  } finally {
    await progress?.close();
  }
  const r = result;
  await printData(io, g.output, r, () => {
    if (r.renew.length === 0)
      return `Nothing to renew in ${cluster}: no certificate ${selection.all ? 'issued by ksctl' : `expires within ${selection.withinDays} days`}.`;
    const what = `${r.renew.map((c) => c.id).join(', ')}`;
    return r.dryRun
      ? `Would renew ${r.renew.length} certificate(s): ${what}\nMachines, one at a time: ${r.machines.join(', ') || '-'}\n\n${certsTable(r.renew)}`
      : `Renewed ${r.renew.length} certificate(s) in ${cluster}: ${what}. Machines updated one at a time: ${r.machines.join(', ') || '-'}.`;
  });
}
