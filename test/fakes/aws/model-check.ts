/**
 * Checks an AWS request against the published service model: botocore's service JSON (PyPI, data
 * files only; scripts/install-test-deps.sh puts botocore in the test cache). FakeAws sees the SDK's
 * input objects, whose member names are the models' (`ClientToken`, `TagSpecifications`), so each
 * input is checked against its operation's input shape: no member the shape lacks (the SDK's
 * serializer would drop it silently), every `required` member set, scalar types, enum values, and
 * the `min`/`max` (length, count or value) and `pattern` constraints the model states.
 *
 * Each service's model is read and parsed once per process, on its first request.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export const BOTOCORE_VERSION = '1.43.11';
export const BOTOCORE_DATA = path.join(
  process.env['KSCTL_TEST_CACHE'] ?? '/var/cache/ksctl-test',
  `botocore-${BOTOCORE_VERSION}`,
  'botocore',
  'data',
);

interface Member {
  shape: string;
  idempotencyToken?: boolean;
}
interface Shape {
  type: string;
  members?: Record<string, Member>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}
interface Model {
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

const models = new Map<string, Model>();
const patterns = new Map<string, RegExp | null>();
let loadMs = 0;

/** Milliseconds this process spent reading and parsing service models so far. */
export function modelLoadMs(): number {
  return loadMs;
}

function modelOf(service: string): Model {
  let m = models.get(service);
  if (!m) {
    const t0 = performance.now();
    const dir = path.join(BOTOCORE_DATA, service);
    if (!existsSync(dir))
      throw new Error(`no botocore model for ${service} in ${BOTOCORE_DATA}: run scripts/install-test-deps.sh`);
    const version = readdirSync(dir).sort().at(-1)!;
    m = JSON.parse(gunzipSync(readFileSync(path.join(dir, version, 'service-2.json.gz'))).toString('utf8')) as Model;
    models.set(service, m);
    loadMs += performance.now() - t0;
  }
  return m;
}

/**
 * The shape's pattern as a JavaScript RegExp, or null when it does not compile (botocore's patterns
 * are Java's; the few JavaScript cannot read are not checked). Unanchored, as Smithy defines it.
 */
function patternOf(p: string): RegExp | null {
  if (!patterns.has(p)) {
    let re: RegExp | null;
    try {
      re = new RegExp(p, 'u');
    } catch {
      re = null;
    }
    patterns.set(p, re);
  }
  return patterns.get(p)!;
}

function bounds(shape: Shape, size: number, what: string, here: string): string[] {
  if (shape.min !== undefined && size < shape.min)
    return [`${here}: ${what} ${size} is below the minimum ${shape.min}`];
  if (shape.max !== undefined && size > shape.max)
    return [`${here}: ${what} ${size} is above the maximum ${shape.max}`];
  return [];
}

/** What is wrong with `value` as an instance of `shapeName` (paths from the request's root). */
function check(model: Model, shapeName: string, value: unknown, at: string): string[] {
  const shape = model.shapes[shapeName]!;
  const here = at || '(input)';
  const join = (k: string) => (at ? `${at}.${k}` : k);
  switch (shape.type) {
    case 'structure': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${here}: expected a structure`];
      const v = value as Record<string, unknown>;
      // The SDK fills an idempotency token the caller left out.
      const out = (shape.required ?? [])
        .filter((k) => (v[k] === undefined || v[k] === null) && !shape.members?.[k]?.idempotencyToken)
        .map((k) => `${join(k)}: required`);
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        const member = shape.members?.[k];
        if (!member) out.push(`${join(k)}: not a member of ${shapeName}`);
        else out.push(...check(model, member.shape, x, join(k)));
      }
      return out;
    }
    case 'list':
      return Array.isArray(value)
        ? [
            ...bounds(shape, value.length, 'count', here),
            ...value.flatMap((x, i) => check(model, shape.member!.shape, x, `${at}[${i}]`)),
          ]
        : [`${here}: expected a list`];
    case 'map':
      return value && typeof value === 'object' && !Array.isArray(value)
        ? [
            ...bounds(shape, Object.keys(value).length, 'count', here),
            ...Object.entries(value).flatMap(([k, x]) => [
              ...(shape.key ? check(model, shape.key.shape, k, `${at} key ${k}`) : []),
              ...check(model, shape.value!.shape, x, `${at}.${k}`),
            ]),
          ]
        : [`${here}: expected a map`];
    case 'string': {
      if (typeof value !== 'string') return [`${here}: expected a string`];
      if (shape.enum && !shape.enum.includes(value)) return [`${here}: "${value}" is not one of ${shapeName}`];
      const re = shape.pattern === undefined ? null : patternOf(shape.pattern);
      return [
        ...bounds(shape, value.length, 'length', here),
        ...(re && !re.test(value)
          ? [`${here}: "${value}" does not match ${shapeName}'s pattern ${shape.pattern}`]
          : []),
      ];
    }
    case 'integer':
    case 'long':
      return Number.isInteger(value) ? bounds(shape, value as number, 'value', here) : [`${here}: expected an integer`];
    case 'float':
    case 'double':
      return typeof value === 'number' ? bounds(shape, value, 'value', here) : [`${here}: expected a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${here}: expected a boolean`];
    case 'timestamp':
      return value instanceof Date || typeof value === 'string' || typeof value === 'number'
        ? []
        : [`${here}: expected a timestamp`];
    case 'blob':
      return typeof value === 'string' || value instanceof Uint8Array ? [] : [`${here}: expected a blob`];
    default:
      return [];
  }
}

/**
 * What is wrong with `input` as the request of `service`'s operation `op` (botocore's names:
 * `ec2`, `RunInstances`), one entry per problem; empty when the model accepts it.
 */
export function requestProblems(service: string, op: string, input: unknown): string[] {
  const model = modelOf(service);
  if (!model.operations[op]) return [`no operation ${op} in botocore's ${service} model`];
  const shape = model.operations[op].input?.shape;
  return shape ? check(model, shape, input ?? {}, '') : [];
}
