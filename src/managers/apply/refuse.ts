/** A plan with refused fields (or a version change) is not applied at all: exit 2 naming each field. */
import { InputError } from '../../errors.js';
import type { ApplyPlan } from './types.js';

export function assertApplicable(plan: ApplyPlan): void {
  const fields = plan.refused.map((r) => r.field);
  if (plan.upgrade) fields.push('spec.kubernetesVersion');
  if (fields.length === 0) return;
  const lines = plan.refused.map((r) => `  ${r.field}: ${r.why}`);
  if (plan.upgrade)
    lines.push(
      `  spec.kubernetesVersion: ${plan.upgrade.from} → ${plan.upgrade.to} is an upgrade: run ksctl upgrade, then apply the rest`,
    );
  throw new InputError(
    `the cluster file asks for changes apply does not make in place; nothing was changed:\n${lines.join('\n')}`,
    fields,
    {
      hint: 'put these fields back as the cluster has them (ksctl get cluster -o yaml shows them)',
    },
  );
}
