/**
 * Kubernetes' own rules for label keys, label values and taints, as k8s.io/apimachinery v0.37
 * (pkg/api/validate/content/kube.go, dns.go), the kubelet's `--node-labels` check
 * (cmd/kubelet/app/options/options.go with k8s.io/kubelet/pkg/apis/well_known_labels.go) and
 * `kubectl taint` / `--register-with-taints` parsing (pkg/util/taints/taints.go) state them, so a pool
 * that passes here is accepted by the API server and by a kubelet registering with it.
 */
import { quote } from './quote.js';
import { TAINT_EFFECTS, type TaintEffect, type TaintSpec } from './types.js';

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const MAX_LABEL_NAME = 63;
export const MAX_LABEL_PREFIX = 253;
export const MAX_LABEL_VALUE = 63;

/** What is wrong with a label (or taint) key, or undefined: `[prefix/]name`, prefix a DNS subdomain. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2)
    return 'a key is a name with an optional DNS subdomain prefix and one "/" (e.g. example.com/role)';
  const [prefix, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  if (prefix !== undefined) {
    if (!prefix) return 'the prefix before "/" is empty';
    if (prefix.length > MAX_LABEL_PREFIX || !DNS_SUBDOMAIN.test(prefix)) {
      return `the prefix ${quote(prefix)} must be a lowercase DNS subdomain of at most ${MAX_LABEL_PREFIX} characters (e.g. example.com)`;
    }
  }
  if (!name) return 'the name part is empty';
  if (name.length > MAX_LABEL_NAME) return `the name part must be at most ${MAX_LABEL_NAME} characters`;
  if (!NAME_PART.test(name))
    return "the name part must be letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return undefined;
}

/** What is wrong with a label (or taint) value, or undefined; the empty value is valid. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > MAX_LABEL_VALUE) return `a value must be at most ${MAX_LABEL_VALUE} characters`;
  if (value !== '' && !NAME_PART.test(value))
    return "a value must be empty or letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return undefined;
}

const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
const KUBELET_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const under = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

/**
 * A label in the kubernetes.io / k8s.io namespaces that a kubelet may not set on its own Node (it
 * refuses to start with one in `--node-labels`, and NodeRestriction forbids it): undefined when allowed.
 */
export function reservedLabelProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const ns = slash < 0 ? '' : key.slice(0, slash);
  if (!under(ns, 'kubernetes.io') && !under(ns, 'k8s.io')) return undefined;
  if (KUBELET_LABELS.has(key) || KUBELET_NAMESPACES.some((n) => under(ns, n))) return undefined;
  return `labels under kubernetes.io and k8s.io are reserved: a node may only set ${KUBELET_NAMESPACES.map((n) => `${n}/…`).join(', ')} and the well-known ones; use your own prefix (e.g. example.com/role)`;
}

/** A taint written as `kubectl taint` takes it: `key=value:Effect` or `key:Effect`. */
export function parseTaint(text: string): TaintSpec | string {
  const form = 'write a taint as key=value:Effect or key:Effect';
  const parts = text.split(':');
  if (parts.length !== 2) return `${quote(text)} is not a taint: ${form} (Effect one of ${TAINT_EFFECTS.join(', ')})`;
  const [kv, effect] = parts as [string, string];
  const kvParts = kv.split('=');
  if (kvParts.length > 2) return `${quote(text)} has more than one "=": ${form}`;
  const taint = { key: kvParts[0]!, value: kvParts[1] ?? '', effect: effect as TaintEffect };
  return taintProblem(taint) ?? taint;
}

/** What is wrong with a structured taint, or undefined. */
export function taintProblem(t: { key: string; value?: string; effect: string }): string | undefined {
  if (!TAINT_EFFECTS.includes(t.effect as TaintEffect))
    return `effect ${quote(t.effect)} is not one of ${TAINT_EFFECTS.join(', ')}`;
  const key = labelKeyProblem(t.key);
  if (key) return `key ${quote(t.key)}: ${key}`;
  const value = labelValueProblem(t.value ?? '');
  return value ? `value ${quote(t.value)}: ${value}` : undefined;
}

/** `key=value:Effect` (or `key:Effect`), the form kubectl and the kubelet print and read. */
export function formatTaint(t: TaintSpec): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}
