/** The provider deletes everything the cluster owns (by state and by tag sweep); the last step of a delete. */
import type { Step, StepContext } from '../pipeline/types.js';

export function destroyStep(
  provider: { destroy(ctx: StepContext): Promise<void> },
  stamp: number,
  needs: string[] = [],
): Step {
  // A fresh id per delete run, so an earlier run's "done" never skips it.
  return { id: `destroy/${stamp}`, title: 'Delete cloud resources', needs, run: (ctx) => provider.destroy(ctx) };
}
