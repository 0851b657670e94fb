/** Reading Azure SDK errors: RestError carries `statusCode` and the ARM error `code`. */
import { PrerequisiteError } from '../../errors.js';

interface RestLike {
  statusCode?: number;
  code?: string;
  name?: string;
  message?: string;
}

const asRest = (e: unknown): RestLike => (typeof e === 'object' && e !== null ? e : {});

/** 404 of any kind (ResourceNotFound, ResourceGroupNotFound, NotFound). */
export function isNotFound(e: unknown): boolean {
  const r = asRest(e);
  return (
    r.statusCode === 404 || r.code === 'ResourceNotFound' || r.code === 'ResourceGroupNotFound' || r.code === 'NotFound'
  );
}

/** The resource, or undefined when ARM says it does not exist. */
export async function getOrUndefined<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export function hasCode(e: unknown, ...codes: string[]): boolean {
  return codes.includes(asRest(e).code ?? '');
}

const CREDENTIAL_ERRORS = [
  'CredentialUnavailableError',
  'AuthenticationRequiredError',
  'AggregateAuthenticationError',
  'AuthenticationError',
];

/** True when no usable Azure credential was found (identity's errors), or ARM rejected the token. */
export function isCredentialError(e: unknown): boolean {
  const r = asRest(e);
  return (
    CREDENTIAL_ERRORS.includes(r.name ?? '') ||
    r.statusCode === 401 ||
    r.code === 'InvalidAuthenticationToken' ||
    r.code === 'ExpiredAuthenticationToken'
  );
}

/** One clear line instead of identity's multi-paragraph chain of every credential it tried. */
export function credentialError(e: unknown): PrerequisiteError {
  return new PrerequisiteError('no usable Azure credentials', {
    cause: e,
    hint: 'run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or use a managed identity)',
  });
}
