/**
 * Reading YAML someone else wrote (cluster files, kubeconfigs) without letting it hurt: size, encoding
 * and nesting are checked before the parser runs (the parser recurses per level; 10,000 nested flow
 * collections exhaust its stack and then the heap), and aliases are capped while the document becomes
 * objects ("billion laughs"). Every refusal is an InputError naming the file and the field.
 */
import { parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { MAX_YAML_ALIASES, MAX_YAML_DEPTH } from './limits.js';
import { quote } from './quote.js';

/** UTF-8 text, or an InputError: a file with invalid bytes is not silently read with U+FFFD in it. */
export function decodeUtf8(bytes: Uint8Array, file: string, field: string, maxBytes: number): string {
  if (bytes.byteLength > maxBytes) {
    throw new InputError(`${file} is ${bytes.byteLength} bytes; at most ${maxBytes} are read`, [field]);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${file} is not UTF-8 text`, [field]);
  }
}

/**
 * The deepest nesting of the text, over-estimated cheaply: flow brackets outside quotes and comments,
 * and block indentation (two spaces a level). An over-estimate only matters past MAX_YAML_DEPTH.
 */
export function yamlDepth(text: string): number {
  let max = 0;
  let flow = 0;
  let quoteChar = '';
  let lineStart = true;
  let indent = 0;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      comment = false;
      if (quoteChar === "'" || quoteChar === '"') continue; // multi-line quoted scalars keep going
      continue;
    }
    if (comment) continue;
    if (lineStart) {
      if (c === ' ' || c === '-' || c === '\t') {
        indent++;
        continue;
      }
      lineStart = false;
      max = Math.max(max, Math.ceil(indent / 2) + flow);
    }
    if (quoteChar) {
      if (c === '\\' && quoteChar === '"') i++;
      else if (c === quoteChar) quoteChar = '';
      continue;
    }
    if (c === '"' || c === "'") quoteChar = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) comment = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++flow + Math.ceil(indent / 2));
    else if ((c === ']' || c === '}') && flow > 0) flow--;
  }
  return max;
}

/** Parses one YAML document into plain data, or throws an InputError naming `file` and `field`. */
export function parseYamlSafely(text: string, file: string, field: string): unknown {
  const depth = yamlDepth(text);
  if (depth > MAX_YAML_DEPTH) throw new InputError(`${file} nests ${depth} levels deep; at most ${MAX_YAML_DEPTH} are read`, [field]);
  let doc;
  try {
    doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    throw new InputError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, [field]);
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    throw new InputError(`${file} is not valid YAML${where}: ${e.message.split('\n')[0]}`, [field]);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    // "Excessive alias count indicates a resource exhaustion attack", or a stack exhausted by structure.
    throw new InputError(`${file} cannot be read: ${(e as Error).message.split('\n')[0]} (at most ${MAX_YAML_ALIASES} alias expansions)`, [field]);
  }
}
