/**
 * The steps of a renewal, one machine at a time: each etcd member (re-issue its due certificates,
 * put them on the machine, restart the member, wait until the whole cluster is healthy), then the API
 * servers' etcd client certificate on each control plane. Every step is level-based: it re-issues
 * only what is still due and pushes only what differs from the machine, so a re-run converges.
 */
import type { RenewSelection } from '../../api/certs.js';
import { privateAddress } from '../../distro/controllers/types.js';
import { inspectCertificate, keyMatchesCertificate, sha256Hex } from '../../distro/pki/inspect.js';
import { SECRET_NAMES, etcdMemberSecretNames } from '../../distro/pki/names.js';
import { reissueCertificate } from '../../distro/pki/reissue.js';
import { apiServerEtcdClientPaths, apiServerEtcdClientScript } from '../../distro/scripts/etcd-client-cert.js';
import { etcdHealthScript, etcdMemberScript } from '../../distro/scripts/etcd.js';
import { etcdServedCertsScript } from '../../distro/scripts/etcd-served.js';
import { ProviderError } from '../../errors.js';
import type { Step } from '../../pipeline/types.js';
import type { Machine, SecretStore } from '../../state/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import { isDue, reportOf } from './status.js';

export interface RenewRun {
  selection: RenewSelection;
  /** When this renewal began (kept across re-runs): `--all` renews what was issued before it. */
  since: Date;
  /** Lifetime of the new certificates, days. */
  validityDays: number;
}

async function secret(secrets: SecretStore, name: string): Promise<string> {
  const v = await secrets.get(name);
  if (v === undefined) throw new ProviderError(`the cluster's secret ${name} is missing`);
  return v;
}

/** Re-issues one certificate from the etcd CA if it is (still) due; returns whether it did. */
async function renewIfDue(
  ctx: BootstrapContext,
  run: RenewRun,
  id: string,
  certName: string,
  keyName: string,
): Promise<boolean> {
  const secrets = ctx.cluster.secrets;
  const pem = await secret(secrets, certName);
  const key = await secrets.get(keyName);
  const now = new Date();
  const facts = inspectCertificate(pem);
  const report = reportOf(
    { id, kind: 'etcd-server', certSecret: certName, keySecret: keyName, usedBy: [], renewable: true },
    facts,
    key !== undefined && keyMatchesCertificate(pem, key),
    now,
    0,
  );
  if (!isDue(report, run.selection, now, run.since)) return false;
  const ca = {
    cert: await secret(secrets, SECRET_NAMES.etcdCaCert),
    key: await secret(secrets, SECRET_NAMES.etcdCaKey),
  };
  const next = await reissueCertificate(ca, pem, { now, validityDays: run.validityDays });
  // Key first: until the certificate follows, the pair does not match and a re-run issues again.
  await secrets.put(keyName, next.key);
  await secrets.put(certName, next.cert);
  ctx.log.info(
    `renewed ${id}: valid until ${inspectCertificate(next.cert).notAfter.toISOString()} (was ${facts.notAfter.toISOString()})`,
  );
  return true;
}

/** Whether every file on the machine is byte-for-byte the secret it came from. */
async function machineHas(
  ctx: BootstrapContext,
  m: Machine,
  files: { path: string; secret: string }[],
): Promise<boolean> {
  const session = await ctx.session(m);
  const r = await session.exec(`sha256sum ${files.map((f) => `'${f.path}'`).join(' ')}`, {
    allowFailure: true,
    signal: ctx.signal,
  });
  const onMachine = new Map(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => {
        const [sum, p] = l.trim().split(/\s+/);
        return [p, sum] as const;
      }),
  );
  for (const f of files)
    if (onMachine.get(f.path) !== sha256Hex(await secret(ctx.cluster.secrets, f.secret))) return false;
  return true;
}

const endpoints = (etcd: Machine[]) => etcd.map((e) => ({ name: e.name, address: privateAddress(e) }));

function memberStep(run: RenewRun, name: string, stamp: string, needs: string[]): Step<BootstrapContext> {
  return {
    id: `certs/${stamp}/etcd/${name}`,
    title: `Renew etcd certificates of ${name} (restart, cluster healthy)`,
    needs,
    target: name,
    async run(ctx) {
      const n = etcdMemberSecretNames(name);
      await renewIfDue(ctx, run, `etcd-server/${name}`, n.serverCert, n.serverKey);
      await renewIfDue(ctx, run, `etcd-peer/${name}`, n.peerCert, n.peerKey);
      const me = ctx.machine(name);
      const served = (timeoutSeconds?: number) =>
        Promise.all([secret(ctx.cluster.secrets, n.serverCert), secret(ctx.cluster.secrets, n.peerCert)]).then(
          ([server, peer]) =>
            etcdServedCertsScript({
              name,
              address: privateAddress(me),
              serverSha256: inspectCertificate(server).sha256,
              peerSha256: inspectCertificate(peer).sha256,
              ...(timeoutSeconds ? { timeoutSeconds } : {}),
            }),
        );
      // Level-based: a member already serving what state holds is done (a re-run restarts nothing).
      // Files alone would not do: a run stopped between upload and restart leaves the old process.
      const serving = await ctx.exec(me, [await served(5)]).then(
        () => true,
        () => false,
      );
      if (serving) return;
      const etcd = ctx.machinesOf('etcd');
      // The same script create ran: it uploads the certificates, restarts the member because they
      // changed, and waits until it answers over TLS; then it must serve the new certificates and
      // the whole cluster must be healthy before the next member.
      const member = etcdMemberScript({
        cluster: ctx.spec.name,
        name,
        address: privateAddress(me),
        members: endpoints(etcd),
        ...(ctx.spec.etcd.release ? { release: ctx.spec.etcd.release } : {}),
        ...(ctx.spec.airgap.enabled ? { airgap: {} } : {}),
      });
      await ctx.exec(me, [member, await served(), etcdHealthScript({ members: endpoints(etcd) })]);
    },
  };
}

function clientIssueStep(run: RenewRun, stamp: string, needs: string[]): Step<BootstrapContext> {
  return {
    id: `certs/${stamp}/etcd-apiserver-client`,
    title: "Renew the API servers' etcd client certificate",
    needs,
    async run(ctx) {
      await renewIfDue(ctx, run, 'etcd-apiserver-client', SECRET_NAMES.etcdClientCert, SECRET_NAMES.etcdClientKey);
    },
  };
}

function apiServerStep(name: string, stamp: string, needs: string[]): Step<BootstrapContext> {
  return {
    id: `certs/${stamp}/apiserver/${name}`,
    title: `Put the new etcd client certificate on ${name} (API server restarted, ready)`,
    needs,
    target: name,
    async run(ctx) {
      const m = ctx.machine(name);
      const p = apiServerEtcdClientPaths(ctx.distro.name);
      if (await machineHas(ctx, m, [{ path: p.cert, secret: SECRET_NAMES.etcdClientCert }])) return;
      await ctx.exec(m, [apiServerEtcdClientScript(ctx.distro.name, name, privateAddress(m))]);
    },
  };
}

/**
 * The chain for one renewal (each step needs the one before: one machine at a time). Only the
 * machines that use a due certificate get a step; `due` holds ids from `issuedCertificates`.
 */
export function renewSteps(
  run: RenewRun,
  stamp: string,
  due: ReadonlySet<string>,
  etcd: string[],
  controlPlanes: string[],
): Step<BootstrapContext>[] {
  const steps: Step<BootstrapContext>[] = [];
  const needs = () => (steps.length > 0 ? [steps[steps.length - 1]!.id] : []);
  for (const m of etcd)
    if (due.has(`etcd-server/${m}`) || due.has(`etcd-peer/${m}`)) steps.push(memberStep(run, m, stamp, needs()));
  if (due.has('etcd-apiserver-client')) {
    steps.push(clientIssueStep(run, stamp, needs()));
    for (const cp of controlPlanes) steps.push(apiServerStep(cp, stamp, needs()));
  }
  return steps;
}
