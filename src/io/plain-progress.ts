/** Progress without a terminal (CI, pipes): one timestamped line per step event on stderr. */
import type { StepEvent } from '../pipeline/types.js';
import { redact } from '../util/redact.js';
import type { ProgressReporter } from './types.js';

export function plainProgress(write: (line: string) => void, now: () => Date = () => new Date()): ProgressReporter {
  const ts = () =>
    now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  return {
    onEvent(e: StepEvent) {
      switch (e.type) {
        case 'start':
          write(`${ts()} start  ${e.step.title}`);
          break;
        case 'done':
          write(`${ts()} done   ${e.step.title} (${(e.durationMs / 1000).toFixed(1)}s)`);
          break;
        case 'skip':
          write(`${ts()} skip   ${e.step.title} (${e.reason})`);
          break;
        case 'fail':
          write(`${ts()} FAILED ${e.step.title}: ${redact(e.error.split('\n')[0] ?? '')}`);
          break;
        default:
          break;
      }
    },
    close: async () => {},
  };
}
