/**
 * FakeAzure's ARM endpoints: resource groups, resources in a group (GET/PUT/DELETE/list), the
 * compute SKU and usage lists, AKS versions and user credentials, and async operation status.
 */
import { ARM, armError, FAKE_SUBSCRIPTION, type FakeAzure, type Reply } from './fake-azure.js';
import { mappedAddress } from './addresses.js';
import { IMAGES } from './catalog.js';
import { agentPools } from './agent-pools.js';
import { ArmModel, kindOf, type ArmRes, type Json } from './model.js';
import { aksVersionRefusal, fillAksVersions } from './aks-versions.js';

interface Req {
  method: string;
  path: string;
  url: URL;
  body: Json | undefined;
}

export const notFound = (what: string): Reply =>
  armError(404, 'ResourceNotFound', `The Resource '${what}' was not found.`);
const groupNotFound = (g: string): Reply =>
  armError(404, 'ResourceGroupNotFound', `Resource group '${g}' could not be found.`);

export function asyncHeaders(op: { id: string }): Record<string, string> {
  return {
    'Azure-AsyncOperation': `${ARM}/subscriptions/${FAKE_SUBSCRIPTION}/providers/Microsoft.Fake/operations/${op.id}?api-version=2024-01-01`,
  };
}

export function route(fake: FakeAzure, req: Req): Reply {
  const parts = req.path.split('/').filter(Boolean);
  if (parts[0]?.toLowerCase() !== 'subscriptions') return notFound(req.path);
  if (parts[1] !== FAKE_SUBSCRIPTION)
    return armError(404, 'SubscriptionNotFound', `The subscription '${parts[1]}' could not be found.`);
  const lower = parts.map((p) => p.toLowerCase());
  // /subscriptions/{s}/providers/...
  if (lower[2] === 'providers') return subscriptionLevel(fake, req, parts);
  if (lower[2] === 'resourcegroups' && parts.length === 3 && req.method === 'GET') {
    const groups = [...fake.model.resources.values()].filter((r) => r.type === 'resourceGroups');
    return {
      status: 200,
      body: {
        value: groups.map((g) => ({
          id: g.id,
          name: g.name,
          location: g.location,
          tags: g.tags,
          properties: { provisioningState: g.state },
        })),
      },
    };
  }
  if (lower[2] !== 'resourcegroups' || !parts[3]) return notFound(req.path);
  const group = parts[3];
  const gid = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/${group}`;
  if (parts.length === 4) return resourceGroup(fake, req, gid, group);
  const rg = fake.model.get(gid);
  if (!rg || rg.state === 'Deleting') return groupNotFound(group);
  // .../providers/{ns}/{type}[/{name}[/{action}|/{subtype}/{subname}]]
  const ns = parts[5]!;
  const type = `${ns}/${parts[6]}`;
  if (parts.length === 7 && req.method === 'GET') {
    return { status: 200, body: { value: fake.model.inGroup(group, type).map((r) => fake.model.wire(r)) } };
  }
  const id = `${gid}/providers/${parts.slice(5, 8).join('/')}`;
  if (lower[6] === 'managedclusters' && lower[8] === 'agentpools' && (parts.length === 9 || parts.length === 10))
    return agentPools(fake, req, { clusterId: id, group, ...(parts[9] ? { pool: parts[9] } : {}) });
  if (parts.length === 9 && req.method === 'POST') return action(fake, id, parts[8]!);
  if (parts.length !== 8) return notFound(req.path);
  return resource(fake, req, { id, type, name: parts[7]!, group });
}

function subscriptionLevel(fake: FakeAzure, req: Req, parts: string[]): Reply {
  const tail = parts
    .slice(3)
    .map((p) => p.toLowerCase())
    .join('/');
  if (tail.startsWith('microsoft.fake/operations/')) {
    const op = fake.model.ops.get(parts[5]!);
    return op
      ? { status: 200, body: { id: op.id, status: op.status, ...(op.error ? { error: op.error } : {}) } }
      : notFound(req.path);
  }
  if (tail === 'microsoft.compute/skus') {
    const loc = /location eq '([^']+)'/.exec(req.url.searchParams.get('$filter') ?? '')?.[1] ?? '';
    if (!fake.config.regions.includes(loc)) return { status: 200, body: { value: [] } };
    const value = fake.config.skus.map((s) => ({
      resourceType: 'virtualMachines',
      name: s.name,
      family: s.family,
      locations: [loc],
      locationInfo: [{ location: loc, zones: s.zones ?? ['1', '2', '3'] }],
      capabilities: [
        { name: 'vCPUs', value: String(s.vcpus) },
        { name: 'CpuArchitectureType', value: s.arch ?? 'x64' },
      ],
      restrictions: s.restrictedIn?.includes(loc)
        ? [{ type: 'Location', values: [loc], reasonCode: 'NotAvailableForSubscription' }]
        : [],
    }));
    return { status: 200, body: { value } };
  }
  const usage = /^microsoft\.compute\/locations\/([^/]+)\/usages$/.exec(tail);
  if (usage) return { status: 200, body: { value: usages(fake, usage[1]!) } };
  const versions = /^microsoft\.containerservice\/locations\/([^/]+)\/kubernetesversions$/.exec(tail);
  if (versions) {
    const values = fake.config.aksVersions.map((v) => ({
      version: v.version,
      isDefault: !!v.default,
      isPreview: !!v.preview,
      patchVersions: Object.fromEntries(v.patches.map((p) => [p, { upgrades: [] }])),
    }));
    return { status: 200, body: { values } };
  }
  return notFound(req.path);
}

function usages(fake: FakeAzure, loc: string): Json[] {
  const used = new Map(Object.entries(fake.config.usedElsewhere));
  for (const r of fake.model.resources.values()) {
    if (kindOf(r.type) !== 'virtualMachines' || r.location !== loc) continue;
    const size = ((r.properties['hardwareProfile'] as Json | undefined)?.['vmSize'] as string) ?? '';
    const sku = fake.config.skus.find((s) => s.name === size);
    if (!sku) continue;
    const spot = r.properties['priority'] === 'Spot';
    for (const name of spot ? ['lowPriorityCores'] : ['cores', sku.family])
      used.set(name, (used.get(name) ?? 0) + sku.vcpus);
  }
  return Object.entries(fake.config.quotas).map(([name, limit]) => ({
    name: { value: name, localizedValue: name },
    limit,
    currentValue: used.get(name) ?? 0,
    unit: 'Count',
  }));
}

function resourceGroup(fake: FakeAzure, req: Req, id: string, name: string): Reply {
  const m = fake.model;
  const rg = m.get(id);
  if (req.method === 'GET' || req.method === 'HEAD') {
    return rg
      ? {
          status: 200,
          body: {
            id: rg.id,
            name: rg.name,
            location: rg.location,
            tags: rg.tags,
            properties: { provisioningState: rg.state },
          },
        }
      : groupNotFound(name);
  }
  if (req.method === 'PUT') {
    if (rg?.state === 'Deleting')
      return armError(409, 'ResourceGroupBeingDeleted', `The resource group '${name}' is in deprovisioning state.`);
    const body = req.body ?? {};
    const r: ArmRes = rg ?? {
      id,
      type: 'resourceGroups',
      name,
      group: name,
      location: String(body['location']),
      tags: {},
      extra: {},
      properties: {},
      state: 'Succeeded',
    };
    r.tags = (body['tags'] as Record<string, string>) ?? {};
    m.resources.set(id.toLowerCase(), r);
    return {
      status: rg ? 200 : 201,
      body: { id: r.id, name, location: r.location, tags: r.tags, properties: { provisioningState: 'Succeeded' } },
    };
  }
  if (req.method === 'DELETE') {
    if (!rg) return groupNotFound(name);
    rg.state = 'Deleting';
    const op = m.startOp(rg, 'DELETE', fake.now + fake.latency('DELETE', 'resourceGroups'));
    return { status: 202, headers: asyncHeaders(op) };
  }
  return armError(405, 'MethodNotAllowed', req.method);
}

/** Like Azure: the image must exist and be built for the VM size's CPU architecture. */
function vmImageRefusal(fake: FakeAzure, p: Json): Reply | undefined {
  const size = ((p['hardwareProfile'] as Json | undefined)?.['vmSize'] as string | undefined) ?? '';
  const ref = ((p['storageProfile'] as Json | undefined)?.['imageReference'] as Json | undefined) ?? {};
  const imageArch = IMAGES[`${String(ref['publisher'])}:${String(ref['offer'])}:${String(ref['sku'])}`];
  if (!imageArch)
    return armError(
      404,
      'PlatformImageNotFound',
      `The platform image '${String(ref['publisher'])}:${String(ref['offer'])}:${String(ref['sku'])}:${String(ref['version'])}' is not available.`,
    );
  const sizeArch = fake.config.skus.find((s) => s.name === size)?.arch ?? 'x64';
  if (imageArch !== sizeArch) {
    return armError(
      400,
      'BadRequest',
      `The selected VM size '${size}' cannot boot an image of architecture '${imageArch}': its CPU architecture is '${sizeArch}'.`,
    );
  }
  return undefined;
}

function resource(fake: FakeAzure, req: Req, where: { id: string; type: string; name: string; group: string }): Reply {
  const m = fake.model;
  const existing = m.get(where.id);
  const kind = kindOf(where.type);
  if (req.method === 'GET') return existing ? { status: 200, body: m.wire(existing) } : notFound(where.id);
  if (req.method === 'DELETE') {
    if (!existing) return { status: 204 };
    const users = m.usersOf(existing.id).filter((u) => u.state !== 'Deleting');
    if (users.length > 0) {
      const code =
        kind === 'networkInterfaces'
          ? 'NicInUse'
          : kind === 'publicIPAddresses'
            ? 'PublicIPAddressCannotBeDeleted'
            : 'InUseCannotBeDeleted';
      return armError(400, code, `${existing.name} is in use by ${users.map((u) => u.id).join(', ')}`);
    }
    existing.state = 'Deleting';
    return {
      status: 202,
      headers: asyncHeaders(m.startOp(existing, 'DELETE', fake.now + fake.latency('DELETE', kind))),
    };
  }
  if (req.method !== 'PUT') return armError(405, 'MethodNotAllowed', req.method);
  if (existing?.state === 'Deleting') return armError(409, 'Conflict', `${where.name} is being deleted`);
  // AKS refuses a PUT while another operation on the cluster is in progress.
  if (kind === 'managedClusters' && existing && existing.state !== 'Succeeded') {
    return armError(
      409,
      'OperationNotAllowed',
      `Operation is not allowed because there's an in progress create managed cluster operation.`,
    );
  }
  const body = req.body ?? {};
  if (kind === 'virtualMachines') {
    const refused = vmImageRefusal(fake, (body['properties'] as Json | undefined) ?? {});
    if (refused) return refused;
  }
  if (kind === 'managedClusters') {
    const refused =
      agentPoolRefusal((body['properties'] as Json | undefined) ?? {}) ??
      aksVersionRefusal(existing?.properties, (body['properties'] as Json | undefined) ?? {});
    if (refused) return refused;
  }
  const missing = ArmModel.references(body['properties']).filter((ref) => !m.exists(ref));
  if (missing.length > 0)
    return armError(400, 'InvalidResourceReference', `Resource ${missing[0]} referenced by ${where.id} was not found.`);
  const { id: _i, name: _n, type: _t, location, tags, properties, ...extra } = body;
  const r: ArmRes = existing ?? {
    ...where,
    location: String(location),
    tags: {},
    extra: {},
    properties: {},
    state: 'Creating',
  };
  r.tags = (tags as Record<string, string>) ?? {};
  r.extra = { ...r.extra, ...extra };
  r.properties = { ...r.properties, ...((properties as Json) ?? {}) };
  delete r.properties['provisioningState'];
  if (kind === 'managedClusters') fillAksVersions(r.properties);
  if (existing) r.state = 'Updating';
  m.compute(r, mappedAddress(r, fake.config.ipMap));
  m.resources.set(where.id.toLowerCase(), r);
  const op = m.startOp(r, 'PUT', fake.now + fake.latency('PUT', kind), fake.operationFailure(`PUT ${kind}`));
  return { status: existing ? 200 : 201, body: m.wire(r), headers: asyncHeaders(op) };
}

function action(fake: FakeAzure, id: string, name: string): Reply {
  const r = fake.model.get(id);
  if (!r || r.state === 'Deleting') return notFound(id);
  if (name.toLowerCase() === 'listclusterusercredential' && kindOf(r.type) === 'managedClusters') {
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${r.name}`,
      '  cluster:',
      `    server: https://${String(r.properties['fqdn'])}:443`,
      '    certificate-authority-data: RkFLRS1DQQ==',
      'contexts:',
      `- name: ${r.name}`,
      '  context:',
      `    cluster: ${r.name}`,
      `    user: clusterUser_${r.group}_${r.name}`,
      `current-context: ${r.name}`,
      'users:',
      `- name: clusterUser_${r.group}_${r.name}`,
      '  user:',
      '    client-certificate-data: RkFLRS1DRVJU',
      '    client-key-data: RkFLRS1LRVk=',
      '',
    ].join('\n');
    return {
      status: 200,
      body: { kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(kubeconfig).toString('base64') }] },
    };
  }
  return notFound(`${id}/${name}`);
}

/**
 * What AKS checks of an agent pool's labels and taints: `nodeTaints` are strings in kubectl's
 * `key=value:Effect` form (Effect one of NoSchedule, PreferNoSchedule, NoExecute) and `nodeLabels` a
 * map of strings; keys under kubernetes.azure.com are AKS's own.
 */
export function agentPoolRefusal(props: Json): Reply | undefined {
  for (const pool of (props['agentPoolProfiles'] as Json[] | undefined) ?? []) {
    for (const t of (pool['nodeTaints'] as unknown[] | undefined) ?? []) {
      if (typeof t !== 'string' || !/^[^=:\s]+(=[^=:\s]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/.test(t)) {
        return armError(
          400,
          'InvalidParameter',
          `The value of parameter agentPoolProfile.nodeTaints is invalid: ${JSON.stringify(t)}`,
        );
      }
    }
    for (const [k, v] of Object.entries((pool['nodeLabels'] as Record<string, unknown> | undefined) ?? {})) {
      if (typeof v !== 'string' || k.startsWith('kubernetes.azure.com/'))
        return armError(
          400,
          'InvalidParameter',
          `The value of parameter agentPoolProfile.nodeLabels is invalid: ${JSON.stringify(k)}`,
        );
    }
  }
  return undefined;
}
