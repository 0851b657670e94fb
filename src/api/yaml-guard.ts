/**
 * Reading YAML someone else wrote (cluster files, kubeconfigs) without letting it hurt: size, encoding
 * and nesting are checked before the parser runs (the parser recurses per level; 10,000 nested flow
 * collections exhaust its stack and then the heap), and aliases are capped while the document becomes
 * objects ("billion laughs"). Every refusal is an InputError naming the file and the field.
 */
import { parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import { MAX_YAML_ALIASES, MAX_YAML_DEPTH } from './limits.js';
import { yamlDepth } from './text-bounds.js';
export { decodeUtf8, yamlDepth } from './text-bounds.js';

/** Parses one YAML document into plain data, or throws an InputError naming `file` and `field`. */
export function parseYamlSafely(text: string, file: string, field: string): unknown {
  const depth = yamlDepth(text);
  if (depth > MAX_YAML_DEPTH)
    throw new InputError(`${file} nests ${depth} levels deep; at most ${MAX_YAML_DEPTH} are read`, [field]);
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
    throw new InputError(
      `${file} cannot be read: ${(e as Error).message.split('\n')[0]} (at most ${MAX_YAML_ALIASES} alias expansions)`,
      [field],
    );
  }
}
