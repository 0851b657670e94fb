/** Types for tables.mjs (server-side printing). */
export function humanDuration(ms: number): string;
export function wantsTable(accept?: string): boolean;
