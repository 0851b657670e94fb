/**
 * A small reader for the block YAML that kubectl, kind and ksctl write: block mappings and sequences,
 * single-line plain and quoted scalars, `{}`/`[]`, and literal block scalars (`|`, `|-`). It returns
 * UNSUPPORTED for anything else (numbers, anchors, aliases, tags, flow collections, folded or
 * multi-line scalars, tabs, several documents, duplicate keys), and yaml-read.ts then uses the full
 * parser. What it does accept it reads exactly as that parser does with the YAML 1.1 schema
 * (test/unit/yaml-11.test.ts compares the two).
 */
export const UNSUPPORTED: unique symbol = Symbol('unsupported');

class Bail extends Error {}
const bail = (): never => {
  throw new Bail();
};

interface Line {
  indent: number;
  text: string;
}

const BOOLS: Record<string, boolean> = {
  y: true,
  Y: true,
  yes: true,
  Yes: true,
  YES: true,
  true: true,
  True: true,
  TRUE: true,
  on: true,
  On: true,
  ON: true,
  n: false,
  N: false,
  no: false,
  No: false,
  NO: false,
  false: false,
  False: false,
  FALSE: false,
  off: false,
  Off: false,
  OFF: false,
};
const NULLS = new Set(['~', 'null', 'Null', 'NULL']);

/** A plain scalar: booleans and nulls as YAML 1.1 has them; numbers and indicators go to the full parser. */
function plain(s: string): unknown {
  if (s in BOOLS) return BOOLS[s];
  if (NULLS.has(s)) return null;
  // A digit-led scalar with a character no number has (`2h`, `10.0.0.0/16`) is a string to every reader.
  const digitString = /^[0-9]/.test(s) && /[^0-9a-fA-FxXoObB._:+-]/.test(s);
  if (/^[-+.0-9<!&*|>%@`[\]{}?:,#'"=]/.test(s) && !/^-[^\s\d.]/.test(s) && !digitString) bail();
  if (/: |\s#|:$/.test(s)) bail();
  return s;
}

/** Reads a quoted scalar at the start of `s`; returns it and what follows, or bails. */
function quotedAt(s: string): [string, string] {
  if (s[0] === "'") {
    let out = '';
    for (let i = 1; i < s.length; i++) {
      if (s[i] === "'") {
        if (s[i + 1] === "'") {
          out += "'";
          i++;
        } else return [out, s.slice(i + 1)];
      } else out += s[i];
    }
    return bail();
  }
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') {
      const inner = s.slice(1, i);
      if (/\\[^"\\/bfnrtu]/.test(inner)) bail();
      try {
        return [JSON.parse(`"${inner}"`) as string, s.slice(i + 1)];
      } catch {
        return bail();
      }
    }
  }
  return bail();
}

const restIsEmpty = (rest: string) => /^(?:\s+#.*)?\s*$/.test(rest);

class Reader {
  private i = 0;
  constructor(private readonly raw: string[]) {}

  /** The next line that is neither blank nor a comment, without consuming it. */
  peek(): Line | undefined {
    for (; this.i < this.raw.length; this.i++) {
      const r = this.raw[this.i]!;
      const t = r.trimStart();
      if (t === '' || t.startsWith('#')) continue;
      if (/^(?:---|\.\.\.)(?:\s|$)|^%/.test(r)) bail();
      return { indent: r.length - t.length, text: t };
    }
    return undefined;
  }

  /** Replaces the current line by its tail at a deeper column (the content after `- `). */
  private rewrite(indent: number, text: string): void {
    this.raw[this.i] = ' '.repeat(indent) + text;
  }

  node(indent: number): unknown {
    const l = this.peek();
    if (!l || l.indent < indent) return null;
    if (/^-(?: |$)/.test(l.text)) return this.seq(l.indent);
    return this.map(l.indent);
  }

  seq(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let l = this.peek(); l && l.indent === indent && /^-(?: |$)/.test(l.text); l = this.peek()) {
      const rest = l.text.slice(1).trimStart();
      const col = indent + (l.text.length - rest.length);
      if (rest === '' || rest.startsWith('#')) {
        this.i++;
        const next = this.peek();
        out.push(next && next.indent > indent ? this.node(next.indent) : null);
      } else if (/^-(?: |$)/.test(rest) || splitKey(rest)) {
        this.rewrite(col, rest);
        out.push(this.node(col));
      } else {
        this.i++;
        out.push(this.inline(rest, indent));
      }
    }
    const after = this.peek();
    if (after && after.indent > indent) bail();
    return out;
  }

  map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let l = this.peek(); l && l.indent === indent && !/^-(?: |$)/.test(l.text); l = this.peek()) {
      const kv = splitKey(l.text) ?? bail();
      const [k, rest] = kv;
      if (k === '__proto__' || k === '<<' || Object.prototype.hasOwnProperty.call(out, k)) bail();
      this.i++;
      if (restIsEmpty(rest)) {
        const next = this.peek();
        if (next && next.indent > indent) out[k] = this.node(next.indent);
        else if (next && next.indent === indent && /^-(?: |$)/.test(next.text)) out[k] = this.seq(indent);
        else out[k] = null;
      } else out[k] = this.inline(rest.trimStart(), indent);
    }
    const after = this.peek();
    if (after && after.indent > indent) bail();
    return out;
  }

  /** A value on the same line as its key or dash (the line is already consumed). */
  inline(s: string, parentIndent: number): unknown {
    if (s[0] === '"' || s[0] === "'") {
      const [v, rest] = quotedAt(s);
      if (!restIsEmpty(rest)) bail();
      return this.noContinuation(v, parentIndent);
    }
    const lit = /^\|(-?)(?:\s+#.*)?\s*$/.exec(s);
    if (lit) return this.literal(parentIndent, lit[1] === '-');
    const empty = /^(\{\}|\[\])(?:\s+#.*)?\s*$/.exec(s);
    if (empty) return this.noContinuation(empty[1] === '{}' ? {} : [], parentIndent);
    const hash = s.search(/\s#/);
    return this.noContinuation(plain((hash >= 0 ? s.slice(0, hash) : s).trimEnd()), parentIndent);
  }

  /** A deeper line after a one-line scalar would continue it (a multi-line scalar): not ours. */
  private noContinuation<T>(v: T, parentIndent: number): T {
    const next = this.peek();
    if (next && next.indent > parentIndent) bail();
    return v;
  }

  literal(parentIndent: number, strip: boolean): string {
    const lines: string[] = [];
    let n = -1;
    let widestLeadingBlank = 0;
    for (; this.i < this.raw.length; this.i++) {
      const r = this.raw[this.i]!;
      const t = r.trimStart();
      if (t === '') {
        // Blank lines longer than the indentation hold spaces as content: not ours.
        if (n >= 0 && r.length > n) bail();
        if (n < 0) widestLeadingBlank = Math.max(widestLeadingBlank, r.length);
        lines.push('');
        continue;
      }
      const ind = r.length - t.length;
      if (n < 0) {
        if (ind <= parentIndent) break;
        n = ind;
        if (widestLeadingBlank > n) bail();
      }
      if (ind < n) break;
      lines.push(r.slice(n));
    }
    // The block reached the end of the text without a final line break: leave that case to the full parser.
    if (this.i >= this.raw.length && !this.endsWithNewline) bail();
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length === 0) return '';
    return lines.join('\n') + (strip ? '' : '\n');
  }

  endsWithNewline = true;
}

/** `key: rest` or `key:` at the start of a line; undefined when the text is not a mapping entry. */
function splitKey(text: string): [string, string] | undefined {
  if (text[0] === '"' || text[0] === "'") {
    let q: [string, string];
    try {
      q = quotedAt(text);
    } catch {
      return undefined;
    }
    const m = /^:(?: |$)/.exec(q[1]);
    return m ? [q[0], q[1].slice(1)] : undefined;
  }
  const m = /^([^\s#][^#]*?):(?: |$)/.exec(text);
  if (!m) return undefined;
  const k = plain(m[1]!);
  if (typeof k !== 'string') bail();
  return [k as string, text.slice(m[1]!.length + 1)];
}

/** The document, or UNSUPPORTED when the text needs the full parser. */
export function leanParse(text: string): unknown {
  if (/[\t\r]/.test(text) || text.charCodeAt(0) === 0xfeff) return UNSUPPORTED;
  const raw = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  if (endsWithNewline) raw.pop();
  const r = new Reader(raw);
  r.endsWithNewline = endsWithNewline;
  try {
    const first = r.peek();
    if (!first) return null;
    if (first.indent !== 0) return UNSUPPORTED;
    const doc = /^-(?: |$)/.test(first.text) || splitKey(first.text) ? r.node(0) : UNSUPPORTED;
    if (doc === UNSUPPORTED || r.peek() !== undefined) return UNSUPPORTED;
    return doc;
  } catch (e) {
    if (e instanceof Bail) return UNSUPPORTED;
    throw e;
  }
}
