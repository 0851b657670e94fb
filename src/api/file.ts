/**
 * Reading cluster files: YAML → object → schema check by apiVersion. Errors name the file, the path
 * inside it and (for YAML syntax) the line.
 */
import { promises as fs } from 'node:fs';
import { parseDocument } from 'yaml';
import { InputError } from '../errors.js';
import type { SpecInput } from './input.js';
import { API_VERSION, FILE_KIND } from './types.js';
import { ClusterFileSchema } from './v1alpha1/schema.js';

export async function readClusterFile(file: string): Promise<SpecInput> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read cluster file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, ['--file']);
  }
  return parseClusterFile(text, file);
}

export function parseClusterFile(text: string, file = 'cluster file'): SpecInput {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    throw new InputError(`${file} is not valid YAML${where}: ${e.message.split('\n')[0]}`, ['--file']);
  }
  const raw: unknown = doc.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError(`${file} must be a mapping with apiVersion: ${API_VERSION} and kind: ${FILE_KIND}`, ['--file']);
  }
  const version = (raw as Record<string, unknown>).apiVersion;
  if (version !== API_VERSION) {
    throw new InputError(`${file}: apiVersion must be ${API_VERSION}, got ${JSON.stringify(version ?? null)}`, ['apiVersion']);
  }
  const parsed = ClusterFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      if (i.code === 'unrecognized_keys') {
        return `  ${path ? `${path}.` : ''}${i.keys.join(', ')}: unknown field${i.keys.length > 1 ? 's' : ''} (see 'ksctl schema')`;
      }
      return `  ${path || '(root)'}: ${i.message}`;
    });
    throw new InputError(`${file} does not match ${API_VERSION} ${FILE_KIND}:\n${lines.join('\n')}`, parsed.error.issues.map((i) => i.path.join('.')));
  }
  const f = parsed.data;
  return { ...(f.spec ?? {}), ...(f.metadata?.name ? { name: f.metadata.name } : {}) };
}
