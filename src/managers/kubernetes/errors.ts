/**
 * Errors from a cluster's API, in words a user can act on, built only from what cannot hold a secret:
 * the request's verb and path, the HTTP status and the API's own Status message, a TLS or socket error
 * code. Never the client's headers, certificate, key or token, and never @kubernetes/client-node's own
 * message (its ApiException text embeds the response headers and body verbatim). The result still goes
 * through redact() for anything a server echoes back.
 */
import { ProviderError, type KsctlErrorOptions } from '../../errors.js';
import { redact } from '../../util/redact.js';

/** A Kubernetes `Status` object, as the API returns it with an error. */
export interface ApiStatus {
  reason?: string;
  message?: string;
  code?: number;
  details?: { causes?: { type?: string; message?: string; field?: string }[] };
}

/** A request to the API failed: `status` is the HTTP status (0 when no response came back). */
export class KubernetesApiError extends ProviderError {
  readonly status: number;
  readonly apiStatus: ApiStatus | undefined;
  /** No answer came back because the connection failed (refused, reset, timed out): not a TLS refusal. */
  readonly unreachable: boolean;
  constructor(
    message: string,
    status: number,
    apiStatus?: ApiStatus,
    opts: KsctlErrorOptions & { unreachable?: boolean } = {},
  ) {
    super(redact(message), opts);
    this.status = status;
    this.apiStatus = apiStatus;
    this.unreachable = opts.unreachable ?? false;
  }
}

/** Node's TLS verification errors (tls.TLSSocket `authorizationError` codes) worth a specific hint. */
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A connection that failed or broke, which asking again may mend (an API server restarting behind the
 * load balancer). Not a name that does not resolve, a refused client certificate or a missing exec plugin.
 */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function parseStatus(body: unknown): ApiStatus | undefined {
  if (typeof body !== 'string' || !body.startsWith('{')) return typeof body === 'object' && body ? body : undefined;
  try {
    return JSON.parse(body) as ApiStatus;
  } catch {
    return undefined;
  }
}

/** The error's code, wherever node-fetch or Node put it (FetchError.code, cause.code). */
function errorCode(e: unknown): string | undefined {
  for (
    let x: unknown = e, depth = 0;
    x && typeof x === 'object' && depth < 4;
    x = (x as { cause?: unknown }).cause, depth++
  ) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Turns whatever a client-node call threw into a KubernetesApiError. `what` says what was asked
 * (`evict pod default/web-1`); `server` is the API server's URL (not a secret).
 */
export function apiError(e: unknown, what: string, server: string): KubernetesApiError {
  if (e instanceof KubernetesApiError) return e;
  const status = typeof (e as { code?: unknown })?.code === 'number' ? (e as { code: number }).code : 0;
  if (status > 0) {
    const st = parseStatus((e as { body?: unknown }).body);
    const text = st?.message ?? (status === 401 ? 'Unauthorized' : `HTTP ${status}`);
    const hint =
      status === 401
        ? "the cluster's credentials in ksctl's state were refused; they may have been rotated"
        : status === 403
          ? 'the kubeconfig in state lacks the permission; ksctl needs cluster-admin'
          : undefined;
    return new KubernetesApiError(
      `${what}: ${text} (HTTP ${status}${st?.reason ? ` ${st.reason}` : ''})`,
      status,
      st,
      hint ? { hint } : {},
    );
  }
  const code = errorCode(e);
  if (code && TLS_CODES.has(code)) {
    return new KubernetesApiError(
      `${what}: the API server at ${server} presented a certificate that the kubeconfig's certificate authority does not verify (${code})`,
      0,
      undefined,
      {
        hint: 'ksctl never skips TLS verification; if the cluster was rebuilt, re-run `ksctl create cluster` to refresh its kubeconfig',
      },
    );
  }
  if (code)
    return new KubernetesApiError(`${what}: cannot reach the API server at ${server} (${code})`, 0, undefined, {
      unreachable: SOCKET_CODES.has(code),
    });
  if ((e as { name?: string })?.name === 'AbortError') return new KubernetesApiError(`${what}: cancelled`, 0);
  // Anything else (a failed exec credential plugin, a malformed kubeconfig) keeps only its first line, redacted.
  const first = String((e as Error)?.message ?? e)
    .split('\n')[0]!
    .slice(0, 300);
  return new KubernetesApiError(`${what}: ${first}`, 0);
}

/** The request returned 404 (the object is gone). */
export function isNotFound(e: unknown): boolean {
  return (e instanceof KubernetesApiError && e.status === 404) || (e as { code?: unknown })?.code === 404;
}

/**
 * Worth asking again: the API server (or the one the load balancer picked) did not answer, was
 * overloaded (429) or failed inside (5xx, e.g. etcd's leader changed). Not a TLS refusal, not 4xx.
 */
export function isTransient(e: unknown): boolean {
  if (!(e instanceof KubernetesApiError)) return false;
  return e.unreachable || e.status === 429 || (e.status >= 500 && e.status !== 501);
}

/**
 * 401/403: what an API server that just started answers until its authentication and RBAC caches
 * have synced (seconds); from an API server that has run longer, a real refusal.
 */
export function isAuthRefusal(e: unknown): boolean {
  return e instanceof KubernetesApiError && (e.status === 401 || e.status === 403);
}
