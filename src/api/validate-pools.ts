/**
 * The rules for `spec.nodePools` on a resolved spec, whatever the source: names unique DNS labels,
 * counts whole and within min/max, labels and taints as Kubernetes accepts them (k8s-labels.ts), and
 * only what the cluster's kind supports (pool-support.ts). Every issue names its path.
 */
import { checkName, type Issue } from './validate.js';
import { formatTaint, labelKeyProblem, labelValueProblem, reservedLabelProblem, taintProblem } from './k8s-labels.js';
import { MAX_POOL_LABELS, MAX_POOL_TAINTS, MAX_SELFMANAGED_WORKERS } from './limits.js';
import { isPlainDefaultPool } from './pools.js';
import { poolSupport } from './pool-support.js';
import { quote } from './quote.js';
import { DEFAULT_POOL, ROLES, type ClusterSpec, type NodePoolSpec } from './types.js';

/** ksctl labels every node with its pool; a user label of the same key would fight it. */
export const POOL_LABEL = 'ksctl.io/pool';

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validatePools(spec: ClusterSpec): Issue[] {
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const support = poolSupport(spec.provider, spec.type);
  const names = new Map<string, number>();

  spec.nodePools.forEach((p, i) => {
    const at = `spec.nodePools[${i}]`;
    issues.push(...checkName(p.name, `${at}.name`));
    const first = names.get(p.name);
    if (first !== undefined)
      add(`${at}.name`, `${quote(p.name)} is already the name of spec.nodePools[${first}]: pool names must be unique`);
    else names.set(p.name, i);
    if ((ROLES as readonly string[]).includes(p.name))
      add(
        `${at}.name`,
        `${quote(p.name)} is a machine role's name (machines are named <cluster>-<pool>-<n>): choose another`,
      );
    if (p.count === undefined) add(`${at}.count`, 'must be set: how many nodes the pool has');
    else issues.push(...checkCounts(p, at));
    issues.push(...checkLabels(p.labels, `${at}.labels`));
    issues.push(...checkTaints(p.taints, `${at}.taints`));
    (p.zones ?? []).forEach((z, j) => {
      if (typeof z !== 'string' || !/^[a-z0-9][-a-z0-9]*$/.test(z))
        add(`${at}.zones[${j}]`, `${quote(z)} is not a zone name (e.g. us-east-1a, 1, europe-west1-b)`);
      else if (p.zones!.indexOf(z) !== j) add(`${at}.zones[${j}]`, `${quote(z)} is listed twice`);
    });
    if (['aws', 'azure', 'gcp'].includes(spec.provider) && (!p.size || !/^[A-Za-z0-9._-]+$/.test(p.size)))
      add(`${at}.size`, `${quote(p.size)} is not an instance size`);
  });
  issues.push(...checkSupport(spec, support));
  if (spec.type === 'selfmanaged' && support.pools) issues.push(...checkSelfManaged(spec));
  return issues;
}

/**
 * Kubernetes node names ksctl gives pool machines (`<cluster>-<pool>-<n>`) must fit the
 * `kubernetes.io/hostname` label the kubelet sets (a label value: 63 characters), which is also the
 * limit of GCP instance names and within Azure's 64 for VM names; n may reach 3 digits.
 */
export const MAX_NODE_NAME = 63;
const MAX_INDEX_DIGITS = String(MAX_SELFMANAGED_WORKERS - 1).length;

/** Self-managed: `spec.workers` is the default pool, and ksctl names the other pools' machines. */
function checkSelfManaged(spec: ClusterSpec): Issue[] {
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const i = spec.nodePools.findIndex((p) => p.name === DEFAULT_POOL);
  const d = spec.nodePools[i];
  const why = 'on a self-managed cluster spec.workers is the default pool: set one of them, or make them agree';
  if (!d && spec.nodePools.length > 0 && spec.workers.count !== 0)
    add('spec.workers.count', `is ${spec.workers.count} but spec.nodePools lists no "${DEFAULT_POOL}" pool; ${why}`);
  if (d && isCount(d.count) && d.count !== spec.workers.count)
    add('spec.workers.count', `is ${spec.workers.count} but spec.nodePools[${i}].count is ${d.count}; ${why}`);
  if (d && spec.provider !== 'ssh' && d.size !== spec.workers.size)
    add(
      'spec.workers.size',
      `is ${quote(spec.workers.size)} but spec.nodePools[${i}].size is ${quote(d.size)}; ${why}`,
    );
  if (d && d.spot !== spec.workers.spot)
    add('spec.workers.spot', `is ${spec.workers.spot} but spec.nodePools[${i}].spot is ${d.spot}; ${why}`);
  if (spec.provider === 'ssh') return issues; // the user names the machines
  spec.nodePools.forEach((p, j) => {
    if (p.name === DEFAULT_POOL || typeof p.name !== 'string') return;
    const longest = `${spec.name}-${p.name}-`.length + MAX_INDEX_DIGITS;
    if (longest > MAX_NODE_NAME)
      add(
        `spec.nodePools[${j}].name`,
        `${quote(p.name)} makes machine names of up to ${longest} characters (<cluster>-<pool>-<n>); node names must fit the kubernetes.io/hostname label and GCP/Azure VM names (${MAX_NODE_NAME}): use a pool name of at most ${p.name.length - (longest - MAX_NODE_NAME)} characters`,
      );
  });
  return issues;
}

function checkCounts(p: NodePoolSpec, at: string): Issue[] {
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  if (!isCount(p.count)) add(`${at}.count`, `must be a whole number >= 0, got ${quote(p.count)}`);
  if (p.min !== undefined && !isCount(p.min)) add(`${at}.min`, `must be a whole number >= 0, got ${quote(p.min)}`);
  if (p.max !== undefined && !isCount(p.max)) add(`${at}.max`, `must be a whole number >= 0, got ${quote(p.max)}`);
  if (issues.length > 0) return issues;
  if (p.min !== undefined && p.max !== undefined && p.min > p.max)
    add(`${at}.min`, `is ${p.min}, above max ${p.max}: min must be <= max`);
  else if (p.min !== undefined && p.count < p.min)
    add(`${at}.count`, `is ${p.count}, below the pool's min ${p.min}: use a count of at least ${p.min} or lower min`);
  else if (p.max !== undefined && p.count > p.max)
    add(`${at}.count`, `is ${p.count}, above the pool's max ${p.max}: use a count of at most ${p.max} or raise max`);
  return issues;
}

function checkLabels(labels: unknown, at: string): Issue[] {
  if (!isObj(labels)) return [{ path: at, message: 'must be a mapping of label keys to values' }];
  const entries = Object.entries(labels);
  if (entries.length > MAX_POOL_LABELS)
    return [{ path: at, message: `has ${entries.length} labels; at most ${MAX_POOL_LABELS} per pool` }];
  const issues: Issue[] = [];
  for (const [key, value] of entries) {
    const path = `${at}.${key}`;
    const problem =
      labelKeyProblem(key) ??
      (key === POOL_LABEL
        ? `ksctl sets ${POOL_LABEL} to the pool's name itself: remove it`
        : reservedLabelProblem(key));
    if (problem) issues.push({ path, message: `label key ${quote(key)}: ${problem}` });
    else if (typeof value !== 'string')
      issues.push({ path, message: `must be a string, got ${quote(value)} (quote numbers and booleans in YAML)` });
    else {
      const bad = labelValueProblem(value);
      if (bad) issues.push({ path, message: `label value ${quote(value)}: ${bad}` });
    }
  }
  return issues;
}

function checkTaints(taints: NodePoolSpec['taints'], at: string): Issue[] {
  if (!Array.isArray(taints)) return [{ path: at, message: 'must be a list of taints (key=value:Effect)' }];
  if (taints.length > MAX_POOL_TAINTS)
    return [{ path: at, message: `has ${taints.length} taints; at most ${MAX_POOL_TAINTS} per pool` }];
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  taints.forEach((t, i) => {
    const problem = isObj(t) ? taintProblem(t) : 'must be a taint (key=value:Effect)';
    if (problem) return void issues.push({ path: `${at}[${i}]`, message: problem });
    // Kubernetes keys a node's taints by key and effect (kubectl taint refuses a duplicate pair).
    const id = `${t.key}:${t.effect}`;
    const first = seen.get(id);
    if (first !== undefined)
      issues.push({
        path: `${at}[${i}]`,
        message: `${quote(formatTaint(t))} repeats the key and effect of ${at}[${first}]: a node has one taint per key and effect`,
      });
    else seen.set(id, i);
  });
  return issues;
}

function checkSupport(spec: ClusterSpec, s: ReturnType<typeof poolSupport>): Issue[] {
  const issues: Issue[] = [];
  const add = (path: string, what: string) => issues.push({ path, message: `${what}: ${s.why}` });
  const pools = spec.nodePools;
  if (!s.pools && pools.length > 0 && !(pools.length === 1 && isPlainDefaultPool(pools[0]!, spec.workers))) {
    add('spec.nodePools', 'lists pools beyond the default one; use spec.workers (--workers, --worker-size, --spot)');
    return issues;
  }
  pools.forEach((p, i) => {
    const at = `spec.nodePools[${i}]`;
    if (!s.labels && Object.keys(p.labels ?? {}).length > 0) add(`${at}.labels`, 'node labels are not supported here');
    if (!s.taints && (p.taints ?? []).length > 0) add(`${at}.taints`, 'node taints are not supported here');
    if (!s.spot && p.spot) add(`${at}.spot`, 'spot capacity is not available here');
    if (!s.zones && p.zones !== undefined) add(`${at}.zones`, 'pool zones are not supported here');
  });
  return issues;
}
