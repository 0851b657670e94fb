// TEST STAND-IN support (not shipped): a small YAML reader/writer, because the stand-ins must run
// on test hosts with only Node built-ins. It covers what k3s config.yaml, kubeadm configuration
// files and kubeconfigs use: block maps and sequences, flow [..]/{..} of scalars, quoted strings,
// comments, `|` block scalars and multiple documents. Anchors, tags and complex keys are not
// supported (a stand-in fed one fails loudly rather than guessing).

function stripComment(line) {
  let q = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === q && line[i - 1] !== '\\') q = null;
      continue;
    }
    if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

function splitFlow(s) {
  const parts = [];
  let depth = 0;
  let q = null;
  let cur = '';
  for (const c of s) {
    if (q) {
      cur += c;
      if (c === q) q = null;
      continue;
    }
    if (c === '"' || c === "'") q = c;
    if (c === '[' || c === '{') depth++;
    if (c === ']' || c === '}') depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}

export function scalar(raw) {
  const s = raw.trim();
  if (s.startsWith('"')) return JSON.parse(s);
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  if (s.startsWith('[')) return splitFlow(s.slice(1, -1)).map(scalar);
  if (s.startsWith('{')) {
    return Object.fromEntries(
      splitFlow(s.slice(1, -1)).map((kv) => {
        const i = kv.indexOf(':');
        return [scalar(kv.slice(0, i)), scalar(kv.slice(i + 1))];
      }),
    );
  }
  if (s === '' || s === '~' || s === 'null') return null;
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (/^-?\d+$/.test(s)) return Number(s);
  if (/^-?\d+\.\d+$/.test(s)) return Number(s);
  return s;
}

/** Index of the ": " (or trailing ":") separating a key from its value, outside quotes. */
function keySep(t) {
  let q = null;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (q) {
      if (c === q) q = null;
      continue;
    }
    if ((c === '"' || c === "'") && i === 0) q = c;
    else if (c === ':' && (i === t.length - 1 || t[i + 1] === ' ')) return i;
    else if (c === '[' || c === '{') return -1;
  }
  return -1;
}

class Parser {
  constructor(text) {
    this.lines = [];
    for (const raw of text.split(/\r?\n/)) this.lines.push(raw);
    this.i = 0;
  }

  // Next meaningful line: { indent, text } (comments and blank lines skipped).
  peek() {
    while (this.i < this.lines.length) {
      const t = stripComment(this.lines[this.i]);
      if (t.trim() === '') {
        this.i++;
        continue;
      }
      return { indent: t.length - t.trimStart().length, text: t.trim() };
    }
    return null;
  }

  block(indent) {
    const p = this.peek();
    if (!p || p.indent < indent) return null;
    return p.text.startsWith('- ') || p.text === '-' ? this.seq(p.indent) : this.map(p.indent);
  }

  blockScalar(indent, folded) {
    const out = [];
    let base = -1;
    while (this.i < this.lines.length) {
      const l = this.lines[this.i];
      const ind = l.length - l.trimStart().length;
      if (l.trim() !== '' && ind <= indent) break;
      if (base < 0 && l.trim() !== '') base = ind;
      out.push(l.slice(Math.max(base, 0)));
      this.i++;
    }
    while (out.length && out[out.length - 1].trim() === '') out.pop();
    return out.join(folded ? ' ' : '\n') + '\n';
  }

  value(rest, indent) {
    if (rest === '|' || rest === '|-' || rest === '>' || rest === '>-') {
      const v = this.blockScalar(indent, rest[0] === '>');
      return rest.endsWith('-') ? v.replace(/\n$/, '') : v;
    }
    if (rest !== '') return scalar(rest);
    const p = this.peek();
    if (!p) return null;
    // A sequence may sit at the same indentation as its parent key.
    if (p.indent > indent || (p.indent === indent && (p.text.startsWith('- ') || p.text === '-'))) {
      return this.block(p.indent);
    }
    return null;
  }

  map(indent, first) {
    const obj = {};
    if (first) this.entry(obj, first, indent);
    for (;;) {
      const p = this.peek();
      if (!p || p.indent !== indent || p.text.startsWith('- ')) return obj;
      this.i++;
      this.entry(obj, p.text, indent);
    }
  }

  entry(obj, text, indent) {
    const k = keySep(text);
    if (k < 0) throw new Error(`yaml-lite: expected "key: value" at line ${this.i}: ${text}`);
    obj[scalar(text.slice(0, k))] = this.value(text.slice(k + 1).trim(), indent);
  }

  seq(indent) {
    const arr = [];
    for (;;) {
      const p = this.peek();
      if (!p || p.indent !== indent || !(p.text.startsWith('- ') || p.text === '-')) return arr;
      this.i++;
      const rest = p.text.slice(1).trim();
      const itemIndent = indent + 2;
      if (rest === '') arr.push(this.block(indent + 1));
      else if (keySep(rest) > 0 && !/^["'[{]/.test(rest)) arr.push(this.map(itemIndent, rest));
      else arr.push(scalar(rest));
    }
  }
}

/** Parse every document of a YAML stream. */
export function parseAll(text) {
  return text
    .split(/^---[ \t]*$/m)
    .map((doc) => new Parser(doc).block(0))
    .filter((d) => d !== null);
}

/** Parse a single-document YAML text. */
export function parse(text) {
  return parseAll(text)[0] ?? null;
}

function str(s) {
  if (
    s === '' ||
    /^[\s-?:,[\]{}#&*!|>'"%@`]|[:#]\s|\s$|^(true|false|null|~|-?\d+(\.\d+)?)$/i.test(s) ||
    s.includes('\n')
  ) {
    return JSON.stringify(s);
  }
  return s;
}

/** Block-style YAML for plain data (objects, arrays, strings, numbers, booleans, null). */
export function stringify(v, indent = 0) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(v)) {
    if (!v.length) return '[]\n';
    return v
      .map((x) => {
        if (x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length) {
          const body = stringify(x, indent + 2);
          return pad + '- ' + body.slice(indent + 2);
        }
        return pad + '- ' + stringify(x, indent + 2).trimStart();
      })
      .join('');
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (!keys.length) return '{}\n';
    return keys
      .map((k) => {
        const x = v[k];
        if (x && typeof x === 'object' && Object.keys(x).length) {
          return `${pad}${str(k)}:\n${stringify(x, Array.isArray(x) ? indent : indent + 2)}`;
        }
        return `${pad}${str(k)}: ${stringify(x, indent + 2).trimStart()}`;
      })
      .join('');
  }
  if (v === null || v === undefined) return 'null\n';
  if (typeof v === 'string') return str(v) + '\n';
  return String(v) + '\n';
}
