/**
 * Reading cluster files: YAML → object → schema check by apiVersion. Errors name the file, the path
 * inside it and (for YAML syntax) the line.
 */
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { readBoundedSync } from '../util/read-bounded.js';
import type { SpecInput } from './input.js';
import { MAX_CLUSTER_FILE_BYTES } from './limits.js';
import { quote } from './quote.js';
import { decodeUtf8, parseYamlSafely } from './yaml-guard.js';
import { API_VERSION, FILE_KIND } from './types.js';
import { ClusterFileSchema } from './v1alpha1/schema.js';

const MAX_ISSUES_SHOWN = 20;

/** `['spec', 'machines', 0, 'address']` → `spec.machines[0].address`, as messages print it. */
const pathOf = (path: readonly PropertyKey[]) =>
  path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');

export async function readClusterFile(file: string): Promise<SpecInput> {
  let bytes: Buffer;
  try {
    const read = readBoundedSync(file, MAX_CLUSTER_FILE_BYTES);
    if (!read)
      throw new InputError(
        `cluster file ${file} is larger than ${MAX_CLUSTER_FILE_BYTES} bytes; at most ${MAX_CLUSTER_FILE_BYTES} are read`,
        ['--file'],
      );
    bytes = read;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(
      `cannot read cluster file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      ['--file'],
    );
  }
  return parseClusterFile(decodeUtf8(bytes, file, '--file', MAX_CLUSTER_FILE_BYTES), file);
}

export function parseClusterFile(text: string, file = 'cluster file'): SpecInput {
  const raw: unknown = parseYamlSafely(text, file, '--file');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError(`${file} must be a mapping with apiVersion: ${API_VERSION} and kind: ${FILE_KIND}`, [
      '--file',
    ]);
  }
  const version = (raw as Record<string, unknown>).apiVersion;
  if (version !== API_VERSION) {
    throw new InputError(`${file}: apiVersion must be ${API_VERSION}, got ${quote(version ?? null)}`, ['apiVersion']);
  }
  const parsed = ClusterFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap(unwrapUnion);
    const lines = issues.map((i) => {
      const path = pathOf(i.path);
      if (i.code === 'unrecognized_keys') {
        const keys = i.keys.map((k) => (/^[\w.-]{1,64}$/.test(k) ? k : quote(k)));
        return `  ${path ? `${path}.` : ''}${keys.join(', ')}: unknown field${i.keys.length > 1 ? 's' : ''} (see 'ksctl schema')`;
      }
      return `  ${path || '(root)'}: ${i.message}`;
    });
    // A thousand bad machines make a thousand issues: the first ones say enough.
    const shown =
      lines.length > MAX_ISSUES_SHOWN
        ? [...lines.slice(0, MAX_ISSUES_SHOWN), `  ... and ${lines.length - MAX_ISSUES_SHOWN} more`]
        : lines;
    throw new InputError(
      `${file} does not match ${API_VERSION} ${FILE_KIND}:\n${shown.join('\n')}`,
      issues.map((i) => pathOf(i.path) || '(root)'),
    );
  }
  const f = parsed.data;
  return { ...(f.spec ?? {}), ...(f.metadata?.name ? { name: f.metadata.name } : {}) };
}

type Issue = z.core.$ZodIssue;

/**
 * A field that takes one of several forms (a taint as "key=value:Effect" or {key, value, effect})
 * fails as "Invalid input" with one list of issues per form. The forms whose type did not even match
 * say nothing useful; when one form is left, its own issues are the message.
 */
function unwrapUnion(i: Issue): Issue[] {
  if (i.code !== 'invalid_union') return [i];
  const tried = i.errors.filter(
    (branch) => !(branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0].path.length === 0),
  );
  if (tried.length !== 1) return [i];
  return tried[0]!.flatMap((b) => unwrapUnion({ ...b, path: [...i.path, ...b.path] }));
}
