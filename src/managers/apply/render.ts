/**
 * The plan as text, like `terraform plan` and `kubectl diff`: `+` added, `-` removed, `~` changed,
 * `!` pointed elsewhere (upgrade), `x` refused. Colour only when the caller's output is a terminal
 * with colour on; the symbols carry the meaning without it. Values come from a validated spec, but
 * are JSON-quoted where a user typed them, so no byte of a file reaches the terminal raw.
 */
import { formatClusterId } from '../../api/types.js';
import { formatTaint } from '../../api/k8s-labels.js';
import type { NodePoolSpec } from '../../api/types.js';
import type { ApplyChange, ApplyPlan, Bounds } from './types.js';

const ANSI = { '+': '\u001b[32m', '-': '\u001b[31m', '~': '\u001b[33m', '!': '\u001b[36m', x: '\u001b[31;1m' } as const;
const RESET = '\u001b[0m';
type Mark = keyof typeof ANSI;

const safe = (s: string) => (/^[\w./:=@-]*$/.test(s) ? s : JSON.stringify(s));
const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${safe(k)}=${safe(v)}`)
    .join(', ');
const boundsText = (b: Bounds) =>
  [b.min !== undefined ? `min ${b.min}` : '', b.max !== undefined ? `max ${b.max}` : ''].filter(Boolean).join(', ') ||
  'no bounds';

function poolSummary(p: NodePoolSpec): string {
  const parts = [`${p.count} × ${p.size || 'node'}${p.spot ? ' (spot)' : ''}`];
  if (p.min !== undefined || p.max !== undefined) parts.push(boundsText(p));
  if (Object.keys(p.labels).length) parts.push(`labels ${labelText(p.labels)}`);
  if (p.taints.length) parts.push(`taints ${p.taints.map((t) => safe(formatTaint(t))).join(', ')}`);
  if (p.zones?.length) parts.push(`zones ${p.zones.map(safe).join(', ')}`);
  return parts.join('; ');
}

function changeLine(c: ApplyChange): [Mark, string] {
  switch (c.kind) {
    case 'pool-add':
      return ['+', `nodePools[${c.pool.name}]: ${poolSummary(c.pool)}`];
    case 'pool-remove':
      return ['-', `nodePools[${c.pool.name}]: ${c.machines ?? c.pool.count} node(s) drained and deleted`];
    case 'pool-resize': {
      const dir = c.to > c.from ? `${c.to - c.from} to add` : `${c.from - c.to} to drain and delete`;
      return ['~', `nodePools[${c.pool}].count: ${c.from} → ${c.to} (${dir})`];
    }
    case 'pool-bounds':
      return ['~', `nodePools[${c.pool}]: ${boundsText(c.from)} → ${boundsText(c.to)}`];
    case 'pool-labels': {
      const parts = [
        ...Object.entries(c.added).map(([k, v]) => `+${safe(k)}=${safe(v)}`),
        ...c.changed.map((x) => `~${safe(x.key)}: ${safe(x.from)} → ${safe(x.to)}`),
        ...Object.keys(c.removed).map((k) => `-${safe(k)}`),
      ];
      return ['~', `nodePools[${c.pool}].labels: ${parts.join(', ')}`];
    }
    case 'pool-taints':
      return [
        '~',
        `nodePools[${c.pool}].taints: ${[...c.added.map((t) => `+${safe(formatTaint(t))}`), ...c.removed.map((t) => `-${safe(formatTaint(t))}`)].join(', ')}`,
      ];
    case 'allow-cidrs': {
      const who = (l: string[]) => (l.length ? l.join(', ') : "the operator's address found at create");
      return ['~', `network.allowCidrs: ${who(c.from)} → ${who(c.to)}`];
    }
  }
}

export function renderPlan(plan: ApplyPlan, opts: { color: boolean }): string {
  const paint = (mark: Mark, text: string) => (opts.color ? `${ANSI[mark]}${mark} ${text}${RESET}` : `${mark} ${text}`);
  const lines = [`Plan for cluster ${formatClusterId(plan.cluster)}:`];
  for (const c of plan.changes) lines.push(`  ${paint(...changeLine(c))}`);
  if (plan.upgrade)
    lines.push(
      `  ${paint('!', `kubernetesVersion: ${plan.upgrade.from} → ${plan.upgrade.to}: apply does not change versions; use ksctl upgrade`)}`,
    );
  for (const r of plan.refused) lines.push(`  ${paint('x', `${r.field}: ${safe(r.from)} → ${safe(r.to)}: ${r.why}`)}`);
  lines.push(summary(plan));
  return `${lines.join('\n')}\n`;
}

function summary(plan: ApplyPlan): string {
  if (plan.refused.length)
    return `Refused: ${plan.refused.length} field(s) cannot change in place; nothing will be applied.`;
  if (plan.upgrade && plan.changes.length === 0) return 'No in-place changes; the version change is for ksctl upgrade.';
  if (plan.changes.length === 0) return 'No changes: the cluster matches the file.';
  const n = (kind: ApplyChange['kind']) => plan.changes.filter((c) => c.kind === kind).length;
  const parts = [
    [n('pool-add'), 'pool(s) to add'],
    [n('pool-resize'), 'to resize'],
    [n('pool-remove'), 'to remove'],
    [plan.changes.length - n('pool-add') - n('pool-resize') - n('pool-remove'), 'other change(s)'],
  ] as const;
  return `Plan: ${parts
    .filter(([k]) => k > 0)
    .map(([k, what]) => `${k} ${what}`)
    .join(', ')}.`;
}
