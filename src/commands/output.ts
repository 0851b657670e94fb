/** Printing results as a table, JSON or YAML (`-o`). JSON/YAML are for scripts: stable field names. */
import type { IoHost } from '../io/types.js';
import type { OutputFormat } from './context.js';

export async function printData(
  io: IoHost,
  format: OutputFormat | undefined,
  data: unknown,
  table: () => string,
): Promise<void> {
  if (format === 'json') io.out(JSON.stringify(data, null, 2));
  else if (format === 'yaml') io.out((await import('./yaml-output.js')).toYaml(data));
  else io.out(table());
}

export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function age(fromIso: string, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
