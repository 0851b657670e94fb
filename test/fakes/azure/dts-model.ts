/**
 * What the Azure SDK packages keep only in their TypeScript declarations: which properties of a
 * model are required, and the values an enum-typed property takes (`Known<Type>`, "the known values
 * that the service supports"). Neither the classic mappers nor the modular (de)serializers carry
 * them at run time, so the declarations (generated, one regular shape) are read here with a small
 * parser, and an object in the SDK's client shape (what the package's deserializer makes of the
 * wire body) is checked against them.
 */
import { readFileSync } from 'node:fs';

interface Prop {
  optional: boolean;
  readonly: boolean;
  type: string;
}
interface Iface {
  bases: string[];
  props: Map<string, Prop>;
}
export interface Declarations {
  interfaces: Map<string, Iface>;
  enums: Map<string, string[]>;
}

/**
 * Enum types whose known list is documented as incomplete or deprecated: VM sizes ("The enum data
 * type is currently deprecated ... use the APIs listing available sizes"), checked against the
 * region's SKUs by the fake instead.
 */
const OPEN_ENUMS = new Set(['VirtualMachineSizeTypes']);

/** Reads `export interface` and `export declare enum Known*` blocks of generated .d.ts files. */
export function readDeclarations(files: readonly string[]): Declarations {
  const interfaces = new Map<string, Iface>();
  const enums = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^export interface (\w+)(?: extends ([^{]+))? \{\n([\s\S]*?)^\}/gm)) {
      const props = new Map<string, Prop>();
      for (const p of m[3]!.matchAll(/^ {4}(readonly )?"?([\w$@.-]+)"?(\?)?: (.+);$/gm))
        props.set(p[2]!, { readonly: !!p[1], optional: !!p[3], type: p[4]!.trim() });
      const bases = (m[2] ?? '')
        .split(',')
        .map((b) => b.trim().replace(/<.*$/, ''))
        .filter(Boolean);
      interfaces.set(m[1]!, { bases, props });
    }
    for (const m of text.matchAll(/^export declare enum Known(\w+) \{\n([\s\S]*?)^\}/gm)) {
      if (OPEN_ENUMS.has(m[1]!)) continue;
      enums.set(
        m[1]!,
        [...m[2]!.matchAll(/= "([^"]*)"/g)].map((v) => v[1]!),
      );
    }
  }
  return { interfaces, enums };
}

function propsOf(d: Declarations, name: string, seen = new Set<string>()): Map<string, Prop> {
  const i = d.interfaces.get(name);
  if (!i || seen.has(name)) return new Map();
  seen.add(name);
  const out = new Map<string, Prop>();
  for (const b of i.bases) for (const [k, p] of propsOf(d, b, seen)) out.set(k, p);
  for (const [k, p] of i.props) out.set(k, p);
  return out;
}

/**
 * Required properties `value` (in the client shape of interface `type`) lacks, and enum-typed ones
 * set to a value the enum does not know, with paths in the client shape.
 */
export function declaredProblems(d: Declarations, type: string, value: unknown, at = ''): string[] {
  if (value === undefined || value === null) return [];
  const t = type.replace(/\s*\|\s*null$/, '');
  if (t.endsWith('[]'))
    return Array.isArray(value) ? value.flatMap((x, i) => declaredProblems(d, t.slice(0, -2), x, `${at}[${i}]`)) : [];
  const rec = /^Record<string, (.+)>$/.exec(t);
  if (rec)
    return typeof value === 'object'
      ? Object.entries(value).flatMap(([k, x]) => declaredProblems(d, rec[1]!, x, `${at}.${k}`))
      : [];
  const known = d.enums.get(t);
  if (known) {
    const ok = known.some((k) => k.toLowerCase() === asText(value).toLowerCase());
    return ok ? [] : [`${at}: "${asText(value)}" is not one of ${t} (${known.join(', ')})`];
  }
  if (!d.interfaces.has(t) || typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  const out: string[] = [];
  for (const [k, p] of propsOf(d, t)) {
    const where = at ? `${at}.${k}` : k;
    if (!p.optional && !p.readonly && (v[k] === undefined || v[k] === null)) out.push(`${where}: required`);
    else out.push(...declaredProblems(d, p.type, v[k], where));
  }
  return out;
}

/** A value as a message shows it (objects as JSON, not [object Object]). */
function asText(x: unknown): string {
  return typeof x === 'string' ? x : JSON.stringify(x);
}
