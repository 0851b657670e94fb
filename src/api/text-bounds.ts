/**
 * Bounds checked on text someone else wrote before any parser sees it: its size and encoding, and how
 * deep it nests. Kept apart from yaml-guard.ts so the kubeconfig reader on `switch`'s fast path can use
 * them without loading the yaml library.
 */
import { InputError } from '../errors.js';

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
