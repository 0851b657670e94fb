/**
 * `create nodepool`'s flags as a NodePoolSpec: `--label k=v` and `--taint key=value:Effect` (each
 * repeatable, or comma-separated, as eksctl's `--node-labels` takes them: neither a label value nor a
 * taint may hold a comma), `--zones a,b`, the counts as whole numbers. The syntax is checked here, each
 * error naming its flag; the pool rules (label keys, reserved prefixes, min/max, what the cluster
 * supports) are validateSpec's, run on the whole target (pool-target.ts).
 */
import { InputError } from '../errors.js';
import { wholeNumber } from './drain-input.js';
import { parseTaint } from './k8s-labels.js';
import { quote } from './quote.js';
import type { NodePoolSpec, TaintSpec } from './types.js';

export interface NewPoolInput {
  name?: string;
  count?: string;
  size?: string;
  spot?: boolean;
  /** `--label k=v`, repeatable. */
  label?: string[];
  /** `--taint key=value:Effect`, repeatable. */
  taint?: string[];
  min?: string;
  max?: string;
  /** `--zones a,b`. */
  zones?: string;
}

const items = (values: string[] | undefined): string[] =>
  (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim());

export function parseLabels(values: string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of items(values)) {
    const eq = item.indexOf('=');
    if (eq <= 0)
      throw new InputError(`--label ${quote(item)} is not a label: write key=value (e.g. tier=web)`, ['--label']);
    const [key, value] = [item.slice(0, eq), item.slice(eq + 1)];
    if (key in labels)
      throw new InputError(`--label ${quote(key)} is given twice: a node has one value per label key`, ['--label']);
    labels[key] = value;
  }
  return labels;
}

export function parseTaints(values: string[] | undefined): TaintSpec[] {
  return items(values).map((item) => {
    const t = parseTaint(item);
    if (typeof t === 'string')
      throw new InputError(`--taint ${t.startsWith(quote(item)) ? t : `${quote(item)}: ${t}`}`, ['--taint']);
    return t;
  });
}

function parseZones(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const zones = text.split(',').map((z) => z.trim());
  if (zones.some((z) => z === ''))
    throw new InputError(
      `--zones ${quote(text)} has an empty entry: write zones as a,b (e.g. us-central1-a,us-central1-b)`,
      ['--zones'],
    );
  return zones;
}

/** The pool the flags describe; `size` when --size is not given. */
export function newPoolOf(input: NewPoolInput, defaultSize: string): NodePoolSpec {
  if (!input.name) throw new InputError("--name is required: the new pool's name (a DNS label, e.g. gpu)", ['--name']);
  const count = wholeNumber(input.count, '--count');
  if (count === undefined)
    throw new InputError('--count is required: the number of nodes the new pool starts with', ['--count']);
  const min = wholeNumber(input.min, '--min');
  const max = wholeNumber(input.max, '--max');
  const zones = parseZones(input.zones);
  return {
    name: input.name,
    count,
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    size: input.size ?? defaultSize,
    spot: !!input.spot,
    labels: parseLabels(input.label),
    taints: parseTaints(input.taint),
    ...(zones ? { zones } : {}),
  };
}
