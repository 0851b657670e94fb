/**
 * Checks an ARM request body, as FakeAzure receives it on the wire (after the SDK's serializer),
 * against the model of the operation's body parameter that the @azure/arm-* packages ship:
 * - classic packages (@azure/arm-network, @azure/arm-resources): core-client mappers, generated
 *   from Azure's OpenAPI specs. The body is walked by the mappers' wire names (`properties.x`,
 *   flattened as the serializer does): no property the model lacks, no read-only one, types,
 *   enum values (`Enum` mappers) and the constraints they state (lengths, bounds, patterns, item
 *   counts).
 * - modular packages (@azure/arm-compute 24, @azure/arm-containerservice 25): they ship no mappers,
 *   only the generated `*Deserializer` / `*Serializer` functions. The body is read by the model's
 *   deserializer and written back by its serializer: what does not come back unchanged is not in
 *   the model or is read-only.
 * Both kinds keep which properties are required and the known values of enum-typed ones only in
 * their TypeScript declarations (the classic mappers mark `required` rarely: not on flattened
 * `properties.*`): ./dts-model.ts checks the body as the package's own code reads it off the wire
 * (its client shape) against those, so their paths are the client shape's (`VirtualMachine.priority`).
 *
 * The packages' model and declaration files are loaded once per process, on the first body of each.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { CompositeMapper, Mapper, MapperConstraints } from '@azure/core-client';
import { lostPaths } from '../../helpers/lost-paths.js';
import { declaredProblems, readDeclarations, type Declarations } from './dts-model.js';

type Mappers = Record<string, Mapper>;
type Fn = (x: unknown) => unknown;

/** A deep file of an installed package (their `exports` do not list the model files). */
function packageFile(pkg: string, file: string): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'node_modules', pkg, file);
    if (existsSync(p)) return p;
    if (path.dirname(dir) === dir) throw new Error(`${pkg}/${file} not found above ${import.meta.dirname}`);
  }
}

const req = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();
let loadMs = 0;

/** Milliseconds this process spent loading the packages' model files so far. */
export function mapperLoadMs(): number {
  return loadMs;
}

function load<T>(pkg: string, file: string): T {
  const key = `${pkg}/${file}`;
  if (!loaded.has(key)) {
    const t0 = performance.now();
    loaded.set(key, req(packageFile(pkg, file)));
    loadMs += performance.now() - t0;
  }
  return loaded.get(key) as T;
}

interface BodyModel {
  pkg: string;
  /** classic: the mappers file and the mapper's name; modular: the models file and the model's (`virtualMachine`). */
  classic?: { file: string; mapper: string };
  modular?: { file: string; model: string };
  /** The declaration files with the model's interface and what it uses, and the interface's name. */
  dts: string[];
  iface: string;
}

const network = (mapper: string): BodyModel => ({
  pkg: '@azure/arm-network',
  classic: { file: 'dist/commonjs/models/mappers.js', mapper },
  dts: ['dist/commonjs/models/index.d.ts'],
  iface: mapper,
});

/** The body model of a PUT of each resource kind ksctl creates. */
const MODELS: Record<string, BodyModel> = {
  resourceGroups: {
    pkg: '@azure/arm-resources',
    classic: { file: 'dist/commonjs/models/mappers.js', mapper: 'ResourceGroup' },
    dts: ['dist/commonjs/models/index.d.ts'],
    iface: 'ResourceGroup',
  },
  virtualNetworks: network('VirtualNetwork'),
  networkSecurityGroups: network('NetworkSecurityGroup'),
  applicationSecurityGroups: network('ApplicationSecurityGroup'),
  publicIPAddresses: network('PublicIPAddress'),
  networkInterfaces: network('NetworkInterface'),
  virtualMachines: {
    pkg: '@azure/arm-compute',
    modular: { file: 'dist/commonjs/models/compute/models.js', model: 'virtualMachine' },
    dts: ['models/compute/models.d.ts', 'models/common/models.d.ts', 'models/models.d.ts'].map(
      (f) => `dist/commonjs/${f}`,
    ),
    iface: 'VirtualMachine',
  },
  managedClusters: {
    pkg: '@azure/arm-containerservice',
    modular: { file: 'dist/commonjs/models/models.js', model: 'managedCluster' },
    dts: ['dist/commonjs/models/models.d.ts'],
    iface: 'ManagedCluster',
  },
  agentPools: {
    pkg: '@azure/arm-containerservice',
    modular: { file: 'dist/commonjs/models/models.js', model: 'agentPool' },
    dts: ['dist/commonjs/models/models.d.ts'],
    iface: 'AgentPool',
  },
};

const declarations = new Map<string, Declarations>();

/** The package's declarations (required properties, known enum values), read once per process. */
function declarationsOf(m: BodyModel): Declarations {
  let d = declarations.get(m.pkg);
  if (!d) {
    const t0 = performance.now();
    d = readDeclarations(m.dts.map((f) => packageFile(m.pkg, f)));
    declarations.set(m.pkg, d);
    loadMs += performance.now() - t0;
  }
  return d;
}

// ---- classic: walk the wire body by the mappers ---------------------------------------------------

/** A composite's properties as a tree of wire names (`properties.addressSpace` nests). */
type Tree = Map<string, Tree | Mapper>;
const trees = new WeakMap<object, Tree>();

function modelProperties(mappers: Mappers, t: CompositeMapper['type']): Record<string, Mapper> {
  return t.modelProperties ?? (mappers[t.className ?? ''] as CompositeMapper | undefined)?.type.modelProperties ?? {};
}

function treeOf(mappers: Mappers, t: CompositeMapper['type']): Tree {
  const props = modelProperties(mappers, t);
  let tree = trees.get(props);
  if (!tree) {
    tree = new Map();
    for (const m of Object.values(props)) {
      const parts = (m.serializedName ?? '').split(/(?<!\\)\./).map((s) => s.replace(/\\\./g, '.'));
      let node = tree;
      for (const p of parts.slice(0, -1)) {
        let next = node.get(p);
        if (!(next instanceof Map)) node.set(p, (next = new Map()));
        node = next;
      }
      node.set(parts.at(-1)!, m);
    }
    trees.set(props, tree);
  }
  return tree;
}

function constraintProblems(c: MapperConstraints | undefined, v: unknown, at: string): string[] {
  if (!c) return [];
  const out: string[] = [];
  const n = typeof v === 'number' ? v : undefined;
  const len = typeof v === 'string' || Array.isArray(v) ? v.length : undefined;
  if (c.MaxLength !== undefined && len !== undefined && len > c.MaxLength)
    out.push(`${at}: longer than ${c.MaxLength}`);
  if (c.MinLength !== undefined && len !== undefined && len < c.MinLength)
    out.push(`${at}: shorter than ${c.MinLength}`);
  if (c.MaxItems !== undefined && len !== undefined && len > c.MaxItems)
    out.push(`${at}: more than ${c.MaxItems} items`);
  if (c.MinItems !== undefined && len !== undefined && len < c.MinItems)
    out.push(`${at}: fewer than ${c.MinItems} items`);
  if (c.InclusiveMaximum !== undefined && n !== undefined && n > c.InclusiveMaximum)
    out.push(`${at}: above ${c.InclusiveMaximum}`);
  if (c.InclusiveMinimum !== undefined && n !== undefined && n < c.InclusiveMinimum)
    out.push(`${at}: below ${c.InclusiveMinimum}`);
  if (c.ExclusiveMaximum !== undefined && n !== undefined && n >= c.ExclusiveMaximum)
    out.push(`${at}: not below ${c.ExclusiveMaximum}`);
  if (c.ExclusiveMinimum !== undefined && n !== undefined && n <= c.ExclusiveMinimum)
    out.push(`${at}: not above ${c.ExclusiveMinimum}`);
  if (c.Pattern !== undefined && typeof v === 'string' && !new RegExp(c.Pattern).test(v))
    out.push(`${at}: "${v}" does not match ${String(c.Pattern)}`);
  return out;
}

function valueProblems(mappers: Mappers, m: Mapper, v: unknown, at: string): string[] {
  if (v === null || v === undefined) return [];
  const t = m.type as Mapper['type'] & { allowedValues?: unknown[]; element?: Mapper; value?: Mapper };
  const wrong = (what: string) => [`${at}: expected ${what}`];
  const own = constraintProblems(m.constraints, v, at);
  switch (t.name) {
    case 'String':
    case 'Uuid':
    case 'ByteArray':
    case 'Base64Url':
    case 'Date':
    case 'DateTime':
    case 'DateTimeRfc1123':
    case 'TimeSpan':
      return typeof v === 'string' ? own : wrong('a string');
    case 'Number':
    case 'UnixTime':
      return typeof v === 'number' ? own : wrong('a number');
    case 'Boolean':
      return typeof v === 'boolean' ? own : wrong('a boolean');
    case 'Enum': {
      const allowed = (t.allowedValues ?? []).map((x) => String(x).toLowerCase());
      return allowed.includes(asText(v).toLowerCase())
        ? own
        : [`${at}: "${asText(v)}" is not one of ${allowed.join(', ')}`];
    }
    case 'Sequence':
      return Array.isArray(v)
        ? [...own, ...v.flatMap((x, i) => valueProblems(mappers, t.element, x, `${at}[${i}]`))]
        : wrong('a list');
    case 'Dictionary':
      return v && typeof v === 'object' && !Array.isArray(v)
        ? Object.entries(v).flatMap(([k, x]) => valueProblems(mappers, t.value, x, `${at}.${k}`))
        : wrong('an object');
    case 'Composite':
      return v && typeof v === 'object' && !Array.isArray(v)
        ? compositeProblems(mappers, m as CompositeMapper, v as Record<string, unknown>, at)
        : wrong('an object');
    default:
      return own;
  }
}

function compositeProblems(mappers: Mappers, m: CompositeMapper, body: Record<string, unknown>, at: string): string[] {
  const join = (k: string, base: string) => (base ? `${base}.${k}` : k);
  const walk = (tree: Tree, obj: Record<string, unknown>, base: string): string[] =>
    Object.entries(obj).flatMap(([k, v]) => {
      const where = join(k, base);
      const node = tree.get(k);
      if (node === undefined)
        return m.type.additionalProperties ? [] : [`${where}: not in the model ${m.type.className ?? ''}`];
      if (node instanceof Map)
        return v && typeof v === 'object' && !Array.isArray(v)
          ? walk(node, v as Record<string, unknown>, where)
          : [`${where}: expected an object`];
      if (node.readOnly && v !== undefined) return [`${where}: read-only, must not be sent`];
      return valueProblems(mappers, node, v, where);
    });
  const tree = treeOf(mappers, m.type);
  return walk(tree, body, at);
}

// ---- the check -------------------------------------------------------------------------------------

/**
 * What is wrong with `body` (the JSON on the wire) as the body of a `verb` (PUT) of `kind`
 * (`virtualMachines`, `resourceGroups`...), one entry per problem; empty when the model accepts it.
 */
export function bodyProblems(verb: string, kind: string, body: unknown): string[] {
  const model = MODELS[kind];
  if (verb !== 'PUT' || !model)
    return [`no body model known for ${verb} ${kind}: add it to test/fakes/azure/mapper-check.ts`];
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['the body is not a JSON object'];
  const wire = body as Record<string, unknown>;
  // The body in the SDK's client shape, as the package's own code reads it off the wire.
  let client: unknown;
  let wireProblems: string[];
  if (model.classic) {
    const mappers = load<Mappers>(model.pkg, model.classic.file);
    const mapper = mappers[model.classic.mapper] as CompositeMapper;
    wireProblems = compositeProblems(mappers, mapper, wire, '');
    const { createSerializer } = req('@azure/core-client') as typeof import('@azure/core-client');
    client = createSerializer(mappers, false).deserialize(mapper, structuredClone(wire), 'body');
  } else {
    const { file, model: name } = model.modular!;
    const fns = load<Record<string, Fn>>(model.pkg, file);
    client = fns[`${name}Deserializer`]!(structuredClone(wire));
    wireProblems = lostPaths(wire, JSON.parse(JSON.stringify(fns[`${name}Serializer`]!(client)))).map(
      (p) => `${p}: not in the model ${name}, or read-only (the SDK's own serializer does not write it)`,
    );
  }
  const declared = declaredProblems(declarationsOf(model), model.iface, client).map((p) => `${model.iface}.${p}`);
  return [...wireProblems, ...declared];
}

/** A value as a message shows it (objects as JSON, not [object Object]). */
function asText(x: unknown): string {
  return typeof x === 'string' ? x : JSON.stringify(x);
}
