/**
 * FakeAzure's in-memory ARM resource model, keyed by lower-cased resource id (ARM ids are
 * case-insensitive). Resources move Creating/Updating → Succeeded and Deleting → gone when their
 * async operation's fake deadline passes; a resource group's delete removes its contents.
 */
import type { MappedAddress } from './catalog.js';

export type Json = Record<string, unknown>;

export interface ArmRes {
  id: string;
  /** `Microsoft.Network/virtualNetworks`, or `resourceGroups`. */
  type: string;
  name: string;
  group: string;
  location: string;
  tags: Record<string, string>;
  /** Top-level fields other than id/name/type/location/tags/properties (sku, identity...). */
  extra: Json;
  properties: Json;
  state: 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting';
}

export interface ArmErrorBody {
  code: string;
  message: string;
}

export interface AsyncOp {
  id: string;
  resourceKey: string;
  verb: 'PUT' | 'DELETE';
  doneAt: number;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  /** Set: the operation ends Failed with this error (and a PUT leaves its resource Failed). */
  error?: ArmErrorBody;
}

/** Last segment of a type: `virtualMachines`. */
export const kindOf = (type: string) => type.split('/').pop() ?? type;

/** Everything an ArmModel holds, as plain JSON (persistence.ts). */
export interface ArmModelState {
  resources: ArmRes[];
  ops: AsyncOp[];
  opSeq: number;
  ipSeq: number;
}

export class ArmModel {
  readonly resources = new Map<string, ArmRes>();
  readonly ops = new Map<string, AsyncOp>();
  private opSeq = 0;
  private ipSeq = 0;

  toJSON(): ArmModelState {
    return {
      resources: [...this.resources.values()],
      ops: [...this.ops.values()],
      opSeq: this.opSeq,
      ipSeq: this.ipSeq,
    };
  }

  static fromJSON(s: ArmModelState): ArmModel {
    const m = new ArmModel();
    for (const r of s.resources) m.resources.set(r.id.toLowerCase(), r);
    for (const op of s.ops) m.ops.set(op.id, op);
    m.opSeq = s.opSeq;
    m.ipSeq = s.ipSeq;
    return m;
  }

  get(id: string): ArmRes | undefined {
    return this.resources.get(id.toLowerCase());
  }

  /** Applies every operation whose deadline has passed. */
  settle(now: number): void {
    for (const op of this.ops.values()) {
      if (op.status !== 'InProgress' || op.doneAt > now) continue;
      op.status = op.error ? 'Failed' : 'Succeeded';
      const r = this.resources.get(op.resourceKey);
      if (!r) continue;
      if (op.verb === 'PUT' && r.state !== 'Deleting') r.state = op.status;
      if (op.verb === 'DELETE') this.remove(r);
    }
  }

  private remove(r: ArmRes): void {
    this.resources.delete(r.id.toLowerCase());
    if (r.type === 'resourceGroups') {
      for (const [k, x] of this.resources) if (x.group.toLowerCase() === r.name.toLowerCase()) this.resources.delete(k);
    }
  }

  startOp(r: ArmRes, verb: 'PUT' | 'DELETE', doneAt: number, error?: ArmErrorBody): AsyncOp {
    const op: AsyncOp = {
      id: `op-${++this.opSeq}`,
      resourceKey: r.id.toLowerCase(),
      verb,
      doneAt,
      status: 'InProgress',
      ...(error ? { error } : {}),
    };
    this.ops.set(op.id, op);
    return op;
  }

  inGroup(group: string, type?: string): ArmRes[] {
    return [...this.resources.values()].filter(
      (r) =>
        r.type !== 'resourceGroups' &&
        r.group.toLowerCase() === group.toLowerCase() &&
        (!type || r.type.toLowerCase() === type.toLowerCase()),
    );
  }

  /** Every id-shaped string in a body (references to other resources). */
  static references(body: unknown, out: string[] = []): string[] {
    if (Array.isArray(body)) for (const x of body) ArmModel.references(x, out);
    else if (body && typeof body === 'object') {
      for (const [k, v] of Object.entries(body)) {
        if (k === 'id' && typeof v === 'string' && v.startsWith('/subscriptions/')) out.push(v);
        else ArmModel.references(v, out);
      }
    }
    return out;
  }

  /** True when `id` (possibly a subnet of a VNet) exists and is not being deleted. */
  exists(id: string): boolean {
    const m = /^(.*\/virtualNetworks\/[^/]+)\/subnets\/([^/]+)$/i.exec(id);
    if (m) {
      const vnet = this.get(m[1]!);
      const subnets = (vnet?.properties['subnets'] as Json[] | undefined) ?? [];
      return (
        !!vnet &&
        vnet.state !== 'Deleting' &&
        subnets.some((s) => String(s['name']).toLowerCase() === m[2]!.toLowerCase())
      );
    }
    const r = this.get(id);
    return !!r && r.state !== 'Deleting';
  }

  /** Resources whose body references `id` (what would block deleting it). */
  usersOf(id: string): ArmRes[] {
    const key = id.toLowerCase();
    return [...this.resources.values()].filter(
      (r) => r.id.toLowerCase() !== key && ArmModel.references(r.properties).some((x) => x.toLowerCase() === key),
    );
  }

  /** Fills what Azure computes: sub-resource ids, addresses (`mapped` ones first: ipMap), FQDNs. */
  compute(r: ArmRes, mapped: MappedAddress = {}): void {
    const p = r.properties;
    const kind = kindOf(r.type);
    const withIds = (list: unknown, sub: string) =>
      Array.isArray(list) ? list.map((x: Json) => ({ ...x, id: `${r.id}/${sub}/${String(x['name'])}` })) : list;
    if (kind === 'virtualNetworks') {
      p['subnets'] = (withIds(p['subnets'], 'subnets') as Json[] | undefined)?.map((s) => ({
        ...s,
        properties: { ...(s['properties'] as Json), provisioningState: 'Succeeded' },
      }));
    }
    if (kind === 'networkSecurityGroups') p['securityRules'] = withIds(p['securityRules'], 'securityRules');
    if (kind === 'publicIPAddresses' && !p['ipAddress'])
      p['ipAddress'] = mapped.publicIp ?? `20.1.${Math.floor(++this.ipSeq / 250)}.${(this.ipSeq % 250) + 1}`;
    if (kind === 'networkInterfaces') {
      const prev = this.get(r.id)?.properties['ipConfigurations'] as Json[] | undefined;
      p['ipConfigurations'] = (withIds(p['ipConfigurations'], 'ipConfigurations') as Json[]).map((c, i) => {
        const props = (c['properties'] as Json) ?? {};
        const old = (prev?.[i]?.['properties'] as Json | undefined)?.['privateIPAddress'];
        return {
          ...c,
          properties: {
            ...props,
            privateIPAddress: old ?? (i === 0 ? mapped.privateIp : undefined) ?? `10.0.0.${(++this.ipSeq % 250) + 4}`,
          },
        };
      });
    }
    if (kind === 'virtualMachines') p['vmId'] ??= `00000000-0000-4000-8000-${String(++this.ipSeq).padStart(12, '0')}`;
    if (kind === 'managedClusters') {
      p['fqdn'] = `${(p['dnsPrefix'] as string | undefined) ?? r.name}-abc123.hcp.${r.location}.azmk8s.io`;
      p['currentKubernetesVersion'] = p['kubernetesVersion'];
      p['nodeResourceGroup'] = `MC_${r.group}_${r.name}_${r.location}`;
    }
  }

  /** The resource as ARM returns it. */
  wire(r: ArmRes): Json {
    const base: Json = { id: r.id, name: r.name, type: r.type, location: r.location, tags: r.tags, ...r.extra };
    return { ...base, properties: { ...r.properties, provisioningState: r.state } };
  }
}
