/**
 * The one YAML writer for every file another program reads (kubeconfigs, k3s and kubeadm configs, kind
 * configs, cloud-init, `-o yaml`). kubectl, kubeadm and k3s read YAML 1.1 (go-yaml v2 under
 * sigs.k8s.io/yaml), cloud-init reads it through PyYAML (1.1 too), and ksctl reads back with YAML 1.2: a
 * string is written plain only when every one of those readers reads that same string back. Anything a
 * YAML 1.1 reader could take for a boolean (`on`, `no`, `y`), a null (`~`), a number (`010`, `0o7`,
 * `1_000`, `1:20`, `.inf`), a timestamp or a merge key is double-quoted. Small and dependency-free:
 * `switch` writes the user's kubeconfig with it, and start-up time matters there.
 */

/** Words YAML 1.1 (and go-yaml v2) resolve to booleans or null; YAML 1.2 core adds none beyond these. */
const RESERVED_WORDS = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
  'null',
  'Null',
  'NULL',
  '~',
  '<<',
  '=',
]);

/**
 * Conservative on purpose: a plain scalar starts with a letter, a digit, `_` or `/` (or `-`/`--` and a
 * letter), so no indicator, `.inf`/`.nan` or sign can begin it, and holds no character that means
 * something somewhere in YAML (`#`, `: `, quotes, brackets, control characters).
 */
const PLAIN = /^(?:[A-Za-z0-9_/]|--?[A-Za-z])[A-Za-z0-9_./:@=+,~%()^$-]*(?: [A-Za-z0-9_./:@=+,~%()^$-]+)*$/;

/**
 * Strings a reader could take for a number: made only of digits, hex digits, `.`, `:`, signs and the
 * 0x/0o/0b prefixes (once `_` is dropped, as go-yaml does), which covers YAML 1.1 ints, octals
 * (`010`), sexagesimals (`1:20`), floats and exponents, YAML 1.2's `0o7`, and Go's number syntax; plus
 * anything that starts like a timestamp (`2001-12-14...`). `2h` or `10.0.0.0/16` stay plain.
 */
const NUMBERISH = /^[-+]?[0-9.][0-9a-fA-FxXoO.:+-]*$/;
const TIMESTAMPISH = /^[0-9]{4}-[0-9]/;

function plainOk(s: string): boolean {
  if (!PLAIN.test(s) || RESERVED_WORDS.has(s) || s.endsWith(':') || s.includes(': ')) return false;
  return !(/^[0-9]/.test(s) && (NUMBERISH.test(s.replace(/_/g, '')) || TIMESTAMPISH.test(s)));
}

/** A double-quoted scalar. JSON's escapes are valid YAML; line and paragraph separators must be escaped too. */
function quoted(s: string): string {
  return JSON.stringify(s).replace(
    /[\u0085\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Literal block style keeps certificates and scripts readable; only for text every reader keeps exactly. */
function literalOk(s: string): boolean {
  if (!s.includes('\n') || /[^\n\t\x20-\x7e\u00a0-\ud7ff\ue000-\ufffc]/.test(s)) return false;
  const lines = s.split('\n');
  // Leading blanks on the first line would need an indentation indicator; trailing blanks are fragile.
  if (/^[ \t]/.test(lines[0]!)) return false;
  return lines.every((l) => !/[ \t]$/.test(l));
}

function literal(s: string, indent: string): string {
  const trailing = s.length - s.replace(/\n+$/, '').length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? s : s.slice(0, s.length - trailing);
  const lines = body.split('\n').map((l) => (l === '' ? '' : indent + l));
  return `|${chomp}\n${lines.join('\n')}${trailing > 1 ? '\n'.repeat(trailing - 1) : ''}`;
}

function scalar(v: unknown): string | undefined {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return plainOk(v) ? v : quoted(v);
  return undefined;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function normalise(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { toJSON?: unknown }).toJSON === 'function' &&
    !Array.isArray(v)
  ) {
    return (v as { toJSON: () => unknown }).toJSON();
  }
  return v;
}

function key(k: string): string {
  return plainOk(k) ? k : quoted(k);
}

/** Appends `value` (already known to be a map or list) or a scalar after `head` ("key:" or "-"). */
function node(out: string[], head: string, value: unknown, indent: string): void {
  const v = normalise(value);
  if (Array.isArray(v)) {
    if (v.length === 0) out.push(`${head} []`);
    else {
      if (head !== '') out.push(head);
      // Sequences inside a mapping are not indented further, as kubectl and kubeadm write them.
      for (const item of v) seqItem(out, item, indent);
    }
    return;
  }
  if (isMap(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) out.push(`${head} {}`);
    else {
      if (head !== '') out.push(head);
      const inner = head === '' ? indent : `${indent}  `;
      for (const [k, x] of entries) node(out, `${inner}${key(k)}:`, x, inner);
    }
    return;
  }
  out.push(`${head} ${scalarOrLiteral(v, `${indent}  `)}`);
}

function scalarOrLiteral(v: unknown, indent: string): string {
  if (typeof v === 'string' && !plainOk(v) && literalOk(v)) return literal(v, indent);
  const s = scalar(v);
  if (s === undefined) throw new TypeError(`cannot write a ${typeof v} as YAML`);
  return s;
}

function seqItem(out: string[], value: unknown, indent: string): void {
  const v = normalise(value);
  if (isMap(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) {
      out.push(`${indent}- {}`);
      return;
    }
    // The first key shares the dash's line; the rest line up under it.
    const start = out.length;
    const inner = `${indent}  `;
    for (const [k, x] of entries) node(out, `${inner}${key(k)}:`, x, inner);
    out[start] = `${indent}- ${out[start]!.slice(inner.length)}`;
    return;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) out.push(`${indent}- []`);
    else {
      out.push(`${indent}-`);
      for (const item of v) seqItem(out, item, `${indent}  `);
    }
    return;
  }
  out.push(`${indent}- ${scalarOrLiteral(v, `${indent}  `)}`);
}

/**
 * One YAML document (block style, no anchors, no tags) that YAML 1.1 and 1.2 readers read back as
 * exactly `value`. `undefined` members are left out, as JSON.stringify does.
 */
export function toYaml(value: unknown): string {
  const v = normalise(value);
  const out: string[] = [];
  if (isMap(v) || Array.isArray(v)) {
    if (Array.isArray(v) && v.length === 0) return '[]\n';
    if (isMap(v) && Object.values(v).every((x) => x === undefined)) return '{}\n';
    if (Array.isArray(v)) for (const item of v) seqItem(out, item, '');
    else node(out, '', v, '');
  } else out.push(scalarOrLiteral(v, '  '));
  return `${out.join('\n')}\n`;
}
