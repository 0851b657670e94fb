/** YAML output lives in its own module so that only `-o yaml` loads the YAML library. */
import { stringify } from 'yaml';

export function toYaml(data: unknown): string {
  return stringify(data, { lineWidth: 0 });
}
