/**
 * Recognising Google API errors. gax raises `GoogleError` with a gRPC status `code` (5 NOT_FOUND,
 * 6 ALREADY_EXISTS, 8 RESOURCE_EXHAUSTED, 9 FAILED_PRECONDITION, 14 UNAVAILABLE); over REST the
 * HTTP status may appear instead (404, 409, 429).
 */
function codeOf(e: unknown): number | undefined {
  const c = (e as { code?: unknown } | undefined)?.code;
  return typeof c === 'number' ? c : undefined;
}

const text = (e: unknown) => {
  const m = (e as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' ? m : '';
};

export const isNotFound = (e: unknown) => codeOf(e) === 5 || codeOf(e) === 404;
export const isAlreadyExists = (e: unknown) => codeOf(e) === 6 || codeOf(e) === 409;
export const isThrottled = (e: unknown) =>
  codeOf(e) === 8 || codeOf(e) === 429 || codeOf(e) === 14 || /rateLimitExceeded|RESOURCE_EXHAUSTED/.test(text(e));
/** A dependency still in use or another operation running: retry later. */
export const isBusy = (e: unknown) =>
  codeOf(e) === 9 || /resourceInUseByAnotherResource|resourceNotReady|operation.*in progress/i.test(text(e));
export const isUnauthenticated = (e: unknown) =>
  codeOf(e) === 16 || codeOf(e) === 7 || codeOf(e) === 401 || codeOf(e) === 403;

export function describe(e: unknown): string {
  return text(e) || String(e);
}
