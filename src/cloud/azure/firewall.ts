/**
 * `infra/firewall`: per role one application security group (the NICs of that role join it) and one
 * network security group with the shared rule table (src/cloud/common/firewall-rules.ts). Rules
 * between roles reference ASGs, never address ranges; SSH and the API only from the operator's
 * CIDRs; Azure's default "allow all inside the VNet" is overridden by an explicit deny.
 */
import type { ClusterSpec, Role } from '../../api/types.js';
import { firewallRules, rolesOf, type Rule } from '../common/firewall-rules.js';
import { recorded } from '../common/record.js';
import { ProviderError } from '../../errors.js';
import { ensureArm } from './arm.js';
import type { AzCtx } from './context.js';
import { asgName, nsgName, tagsFor } from './naming.js';

export const asgKey = (role: Role) => `asg/${role}`;
export const nsgKey = (role: Role) => `nsg/${role}`;

const asgId = (cloud: AzCtx, role: Role) =>
  `/subscriptions/${cloud.api.subscriptionId}/resourceGroups/${cloud.group}/providers/Microsoft.Network/applicationSecurityGroups/${asgName(cloud.spec, role)}`;

/** NSG security rules for one role (pure: the ids are computed, not looked up). */
export function securityRules(
  cloud: AzCtx,
  spec: Pick<ClusterSpec, 'etcd' | 'distribution'>,
  role: Role,
  cidrs: string[],
) {
  const rules: Rule[] = firewallRules(spec, cidrs)[role];
  const out: Record<string, unknown>[] = rules.map((r, i) => ({
    name: `ksctl-${i + 100}-${r.description.replace(/[^a-zA-Z0-9]+/g, '-')}`,
    priority: 100 + i,
    direction: 'Inbound',
    access: 'Allow',
    protocol: r.protocol === 'tcp' ? 'Tcp' : 'Udp',
    sourcePortRange: '*',
    destinationPortRange: r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`,
    destinationAddressPrefix: '*',
    description: r.description,
    ...('cidr' in r.source
      ? { sourceAddressPrefix: r.source.cidr }
      : { sourceApplicationSecurityGroups: [{ id: asgId(cloud, r.source.group) }] }),
  }));
  out.push({
    name: 'ksctl-deny-vnet',
    priority: 4000,
    direction: 'Inbound',
    access: 'Deny',
    protocol: '*',
    sourcePortRange: '*',
    destinationPortRange: '*',
    sourceAddressPrefix: 'VirtualNetwork',
    destinationAddressPrefix: '*',
    description: 'only the rules above inside the cluster',
  });
  return out;
}

type RuleLike = Record<string, unknown> & { sourceApplicationSecurityGroups?: { id?: string }[] };

/** A rule's identity, the same whether built here or read back from ARM. */
const ruleKey = (r: RuleLike) =>
  [r['name'], r['priority'], r['access'], r['protocol'], r['destinationPortRange'], r['sourceAddressPrefix'] ?? '']
    .concat((r.sourceApplicationSecurityGroups ?? []).map((g) => (g.id ?? '').toLowerCase()))
    .join('|');

export function sameRules(existing: unknown, wanted: RuleLike[]): boolean {
  const have = ((existing as RuleLike[] | undefined) ?? []).map(ruleKey).sort();
  const want = wanted.map(ruleKey).sort();
  return JSON.stringify(have) === JSON.stringify(want);
}

export async function ensureFirewall(cloud: AzCtx, cidrs: string[]): Promise<void> {
  const roles = rolesOf(cloud.spec);
  await Promise.all(
    roles.map((role) =>
      ensureArm(
        cloud,
        cloud.api.applicationSecurityGroups,
        asgName(cloud.spec, role),
        () => ({ location: cloud.spec.region, tags: tagsFor(cloud.spec, asgKey(role), role) }),
        {
          key: asgKey(role),
          kind: 'azure:application-security-group',
          role,
        },
      ),
    ),
  );
  await Promise.all(
    roles.map((role) =>
      ensureArm(
        cloud,
        cloud.api.networkSecurityGroups,
        nsgName(cloud.spec, role),
        () => ({
          location: cloud.spec.region,
          tags: tagsFor(cloud.spec, nsgKey(role), role),
          securityRules: securityRules(cloud, cloud.spec, role, cidrs),
        }),
        {
          key: nsgKey(role),
          kind: 'azure:network-security-group',
          role,
          // The operator's address or --allow-cidr may have changed since the last run.
          matches: (nsg) => sameRules(nsg['securityRules'], securityRules(cloud, cloud.spec, role, cidrs)),
        },
      ),
    ),
  );
}

export function recordedId(cloud: AzCtx, key: string): string {
  const rec = recorded(cloud.ctx, key);
  if (!rec) throw new ProviderError(`no ${key} in state: infra/firewall must run first`);
  return rec.id;
}
