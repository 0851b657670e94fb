/** Types for objects.mjs (stand-in API object rules). */
export function mergePatch(target: unknown, patch: unknown): unknown;
export function jsonPatch(target: unknown, ops: Array<{ op: string; path: string; value?: unknown }>): unknown;
export function labelMatcher(selector?: string | null): (obj: { metadata?: { labels?: Record<string, string> } }) => boolean;
export function fieldMatcher(selector?: string | null): (obj: unknown) => boolean;
