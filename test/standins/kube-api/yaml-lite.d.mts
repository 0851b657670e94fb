/** Types for yaml-lite.mjs (the stand-ins' dependency-free YAML subset). */
export function parse(text: string): unknown;
export function parseAll(text: string): unknown[];
export function stringify(value: unknown, indent?: number): string;
export function scalar(raw: string): unknown;
