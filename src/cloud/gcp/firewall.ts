/**
 * `infra/firewall`: the provider-neutral rule table (common/firewall-rules.ts) as GCP firewall
 * rules. One rule per (target role, source): the target is the role's network tag; the source is
 * the operator's CIDRs (SSH and the API port only) or another role's tag — never an address range
 * for cluster-internal traffic. Firewall rules have no labels: deterministic names and the
 * ownership marker in their description identify them.
 */
import { randomUUID } from 'node:crypto';
import { incarnationOf } from '../common/incarnation.js';
import type { ClusterSpec, Role } from '../../api/types.js';
import { ConflictError } from '../../errors.js';
import { firewallRules, rolesOf, type Rule } from '../common/firewall-rules.js';
import { ensureRecorded } from '../common/record.js';
import type { GcpCtx } from './context.js';
import { networkId } from './network.js';
import { firewallName, networkName, ownedBy, ownerDescription, requestId, roleTag } from './naming.js';
import { getOrUndefined, insertAndWait, waitOperation } from './operations.js';
import { inPool } from './pool.js';
import type { Firewall } from './sdk.js';

export { rolesOf };

export interface GcpFirewallPlan {
  name: string;
  role: Role;
  source: string;
  resource: Firewall;
}

const portRange = (r: Rule) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`);

/**
 * The firewall rules this spec needs (pure: `--dry-run` and tests read the same list): per target
 * role, one rule for the operator's CIDRs and one per distinct port set from other roles (sources
 * with the same ports share a rule through several source tags).
 */
export function firewallPlan(spec: ClusterSpec, operatorCidrs: string[]): GcpFirewallPlan[] {
  const table = firewallRules(spec, operatorCidrs);
  const out: GcpFirewallPlan[] = [];
  for (const role of rolesOf(spec)) {
    const bySource = new Map<string, Rule[]>();
    for (const r of table[role]) {
      const src = 'cidr' in r.source ? 'operator' : r.source.group;
      bySource.set(src, [...(bySource.get(src) ?? []), r]);
    }
    // Group internal sources by their allowed ports.
    const groups = new Map<
      string,
      { sources: string[]; rules: Rule[]; allowed: { IPProtocol: string; ports: string[] }[] }
    >();
    for (const [source, rules] of bySource) {
      const allowed = (['tcp', 'udp'] as const)
        .map((p) => ({
          IPProtocol: p,
          ports: [...new Set(rules.filter((r) => r.protocol === p).map(portRange))].sort(),
        }))
        .filter((a) => a.ports.length > 0);
      const key = source === 'operator' ? 'operator' : JSON.stringify(allowed);
      const group = groups.get(key) ?? { sources: [], rules: [], allowed };
      group.sources.push(source);
      group.rules.push(...rules);
      groups.set(key, group);
    }
    for (const { sources, rules, allowed } of groups.values()) {
      const source = sources.join('-');
      const name = firewallName(spec, role, source);
      out.push({
        name,
        role,
        source,
        resource: {
          name,
          network: networkId(networkName(spec)),
          direction: 'INGRESS',
          priority: 1000,
          allowed,
          targetTags: [roleTag(spec, role)],
          ...(source === 'operator'
            ? { sourceRanges: [...new Set(rules.map((r) => ('cidr' in r.source ? r.source.cidr : '')))] }
            : { sourceTags: sources.map((s) => roleTag(spec, s)) }),
          description: ownerDescription(
            spec,
            `${role} firewall: ${[...new Set(rules.map((r) => r.description))].join(', ')}`,
          ),
        },
      });
    }
  }
  return out;
}

export const firewallKey = (name: string) => `firewall/${name}`;

const sorted = (xs: readonly (string | null | undefined)[] | null | undefined) => [...(xs ?? [])].map(String).sort();
const allowedKey = (f: Firewall) =>
  sorted((f.allowed ?? []).map((a) => `${a.IPProtocol}:${sorted(a.ports).join(',')}`));

/** Same sources, targets and ports (what decides who may connect); descriptions and order do not count. */
export function sameRule(have: Firewall, want: Firewall): boolean {
  const eq = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return (
    eq(sorted(have.sourceRanges), sorted(want.sourceRanges)) &&
    eq(sorted(have.sourceTags), sorted(want.sourceTags)) &&
    eq(sorted(have.targetTags), sorted(want.targetTags)) &&
    eq(allowedKey(have), allowedKey(want))
  );
}

/**
 * The fields a patch replaces. A rule's kind of source never changes (its name says operator or
 * which roles), so nothing needs clearing — which PATCH could not do with an empty list anyway.
 */
function patchOf(want: Firewall): Firewall {
  const { allowed, targetTags, sourceRanges, sourceTags, description } = want;
  return {
    allowed,
    targetTags,
    ...(sourceRanges ? { sourceRanges } : {}),
    ...(sourceTags ? { sourceTags } : {}),
    description,
  };
}

export async function ensureFirewalls(cloud: GcpCtx, operatorCidrs: string[]): Promise<void> {
  const { gce } = cloud.api;
  // All at once: the rules do not depend on each other, and each wait on its operation is one
  // long-poll call. (In batches of 5, the HA plan's 10 rules took two operations' time: 16 s, not 8.)
  const plan = firewallPlan(cloud.spec, operatorCidrs);
  await inPool(plan, plan.length, async (f) => {
    const existing = await getOrUndefined(() => gce.getFirewall(f.name));
    if (existing && !ownedBy(existing.description, cloud.spec)) {
      throw new ConflictError(`firewall rule ${f.name} exists but was not created by ksctl for ${cloud.key}`);
    }
    if (!existing) {
      await insertAndWait(cloud, `firewall rule ${f.name}`, () =>
        gce.insertFirewall(
          f.resource,
          requestId(cloud.spec, incarnationOf(cloud.ctx), `firewall/${f.name}`, f.resource),
        ),
      );
    } else if (!sameRule(existing, f.resource)) {
      // The operator's address or --allow-cidr changed since the rule was made (e.g. a resumed create
      // from another network): make the rule say what the spec says now. A fresh requestId: the
      // patch's content differs from any earlier one.
      cloud.log.info(`updating firewall rule ${f.name} (sources or ports changed)`);
      await waitOperation(
        cloud,
        await gce.patchFirewall(f.name, patchOf(f.resource), randomUUID()),
        `update firewall rule ${f.name}`,
      );
    }
    await ensureRecorded(cloud.ctx, firewallKey(f.name), {
      kind: 'gcp:firewall',
      id: `global/firewalls/${f.name}`,
      name: f.name,
      role: f.role,
    });
  });
}
