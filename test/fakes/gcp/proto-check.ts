/**
 * Checks a Compute Engine or GKE request against the published API model: the google.cloud.compute.v1
 * and google.container.v1 protos shipped (as protos.json) in @google-cloud/compute and
 * @google-cloud/container. FakeGcp sits at the clients' transport, where a request is still the
 * plain object the caller built; the real transport encodes it with these protos and drops a field
 * or an enum value the proto does not know, so a typo would otherwise pass unnoticed. The request
 * is encoded with protobufjs (as gax does) and read back: every field set must come back unchanged,
 * every field the proto marks REQUIRED must be set, and none it marks deprecated may be. Compute's
 * protos (generated from its REST discovery document) declare enum-valued fields as strings, with
 * the values in a nested enum named after the field (`Firewall.direction` → `Firewall.Direction`):
 * such a string must be one of those values (not the `UNDEFINED_*` placeholder).
 *
 * protos.json is large (Compute's is 11 MB): each is parsed once per process, on the first request
 * of its API, and the resolved request types are cached. The root comes from gax's own
 * `protobufFromJSON` (whose cache src/cloud/gcp/clients.ts keys by the JSON object), so the fake's
 * check reuses the root the clients already built instead of parsing the protos a second time.
 */
import { createRequire } from 'node:module';
import type * as Pb from 'protobufjs';
import { lostPaths } from '../../helpers/lost-paths.js';

// Resolved from this file up (vitest, the compiled preload, a bench bundle all sit inside the project).
const req = createRequire(import.meta.url);

type Api = 'compute' | 'container';
const PROTOS: Record<Api, { file: string; pkg: string }> = {
  compute: { file: '@google-cloud/compute/build/protos/protos.json', pkg: 'google.cloud.compute.v1' },
  container: { file: '@google-cloud/container/build/protos/protos.json', pkg: 'google.container.v1' },
};

let pb: typeof Pb | undefined;
const roots = new Map<Api, Pb.Root>();
const types = new Map<string, Pb.Type | string>();
let loadMs = 0;

/** Milliseconds this process spent loading protobufjs and parsing protos.json so far. */
export function protoLoadMs(): number {
  return loadMs;
}

function rootOf(api: Api): Pb.Root {
  let root = roots.get(api);
  if (!root) {
    const t0 = performance.now();
    pb ??= req('protobufjs') as typeof Pb;
    const json = req(PROTOS[api].file) as Pb.INamespace;
    const gax = req('google-gax') as { fallback?: { GrpcClient?: { protobufFromJSON?: (j: object) => unknown } } };
    const shared = gax.fallback?.GrpcClient?.protobufFromJSON?.(json);
    root = shared instanceof pb.Root ? shared : pb.Root.fromJSON(json);
    roots.set(api, root);
    loadMs += performance.now() - t0;
  }
  return root;
}

const upper = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** `instances:insert` → google.cloud.compute.v1.InsertInstanceRequest (from the service's rpc), or why not. */
function requestType(op: string): Pb.Type | string {
  let t = types.get(op);
  if (t === undefined) {
    const [service, method] = op.split(':') as [string, string];
    const api: Api = service === 'clusterManager' ? 'container' : 'compute';
    const root = rootOf(api);
    const svc = root.lookup(`${PROTOS[api].pkg}.${upper(service)}`);
    const rpc = svc instanceof pb!.Service ? svc.methods[upper(method ?? '')] : undefined;
    t = rpc
      ? root.lookupType(`${PROTOS[api].pkg}.${rpc.requestType}`)
      : `no rpc ${upper(method ?? '')} in ${PROTOS[api].pkg}.${upper(service)}`;
    types.set(op, t);
  }
  return t;
}

/** The value of a Compute string field that is not in its nested enum (see the file comment), if any. */
function notInEnum(type: Pb.Type, f: Pb.Field, v: unknown): string | undefined {
  if (f.type !== 'string' || v === undefined || v === null) return undefined;
  const e = type.nested?.[upper(f.name)];
  if (!(e instanceof pb!.Enum)) return undefined;
  const allowed = Object.keys(e.values).filter((k) => !k.startsWith('UNDEFINED_'));
  return (Array.isArray(v) ? v : [v]).map(String).find((x) => !allowed.includes(x));
}

/**
 * Fields the proto marks REQUIRED that the request leaves unset, deprecated ones it sets, and
 * Compute enum strings it sets to a value the enum lacks, at any depth.
 */
function fieldRules(type: Pb.Type, value: Record<string, unknown>, at = ''): string[] {
  const out: string[] = [];
  for (const f of type.fieldsArray) {
    const v = value[f.name];
    const where = at ? `${at}.${f.name}` : f.name;
    if (f.options?.['(google.api.field_behavior)'] === 'REQUIRED' && (v === undefined || v === null || v === ''))
      out.push(`${where} is required`);
    if (f.options?.['deprecated'] === true && v !== undefined) out.push(`${where} is deprecated`);
    const bad = notInEnum(type, f, v);
    if (bad !== undefined) out.push(`${where}: "${bad}" is not one of ${type.name}.${upper(f.name)}`);
    if (!v || typeof v !== 'object') continue;
    f.resolve();
    const sub = f.resolvedType;
    if (!(sub instanceof pb!.Type) || f.map) continue;
    if (Array.isArray(v))
      v.forEach((x, i) => out.push(...fieldRules(sub, x as Record<string, unknown>, `${where}[${i}]`)));
    else out.push(...fieldRules(sub, v as Record<string, unknown>, where));
  }
  return out;
}

/**
 * What is wrong with `request` as the request of `op` (`<client>:<method>`, as FakeGcp names calls:
 * `instances:insert`, `clusterManager:createNodePool`), one entry per problem; empty when the proto
 * accepts it.
 */
export function requestProblems(op: string, request: unknown): string[] {
  const type = requestType(op);
  if (typeof type === 'string') return [type];
  const input = (request ?? {}) as Record<string, unknown>;
  let back: unknown;
  try {
    back = type.toObject(type.fromObject(input), { enums: String, longs: Number, defaults: false });
  } catch (e) {
    return [`cannot be encoded as ${type.name}: ${(e as Error).message}`];
  }
  return [
    ...lostPaths(input, back).map((p) => `${p} is not in the proto (or has a value it does not allow)`),
    ...fieldRules(type, input),
  ];
}
