/**
 * Turning SDK errors into ksctl errors. Credential problems become one actionable line (no stack);
 * other service errors become AwsApiError, which keeps the AWS error code for the provider's own
 * "not found is done" / "duplicate is fine" decisions.
 */
import { InterruptedError, KsctlError, PrerequisiteError, ProviderError } from '../../errors.js';

/** A failed AWS call: `ec2:RunInstances: InsufficientInstanceCapacity: ...`. */
export class AwsApiError extends ProviderError {
  readonly awsCode: string;
  readonly operation: string;
  constructor(operation: string, awsCode: string, message: string, cause: unknown) {
    super(`${operation}: ${awsCode}: ${message}`, { cause });
    this.awsCode = awsCode;
    this.operation = operation;
  }
}

interface SdkLikeError {
  name?: string;
  message?: string;
  $metadata?: unknown;
  $fault?: string;
}

const CREDENTIAL_MISSING = new Set(['CredentialsProviderError']);
const CREDENTIAL_EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired']);
const CREDENTIAL_INVALID = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'AuthFailure',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
]);

/**
 * A service's answer (every SDK ServiceException carries `$fault`). Not `$metadata`: the SDK's
 * retry middleware adds that to any error it saw, service or not.
 */
function isServiceError(e: unknown): e is SdkLikeError {
  return typeof e === 'object' && e !== null && typeof (e as SdkLikeError).$fault === 'string';
}

/** The AWS error code of anything thrown by a call (ours or the SDK's), or undefined. */
export function awsCodeOf(e: unknown): string | undefined {
  if (e instanceof AwsApiError) return e.awsCode;
  return isServiceError(e) ? e.name : undefined;
}

export function hasCode(e: unknown, ...codes: string[]): boolean {
  const c = awsCodeOf(e);
  return c !== undefined && codes.includes(c);
}

/** "It isn't there": EC2's `*.NotFound`, EKS's ResourceNotFoundException, IAM's NoSuchEntity. */
export function isNotFound(e: unknown): boolean {
  const c = awsCodeOf(e);
  if (!c) return false;
  return (
    c.endsWith('.NotFound') ||
    c === 'ResourceNotFoundException' ||
    c === 'NoSuchEntityException' ||
    c === 'NoSuchEntity' ||
    c === 'ParameterNotFound' ||
    c === 'NoSuchResourceException'
  );
}

export function isDependencyViolation(e: unknown): boolean {
  return hasCode(e, 'DependencyViolation', 'ResourceInUseException', 'DeleteConflictException', 'DeleteConflict');
}

/** Maps anything a call threw. Errors that are not from the SDK (bugs, test crashes) pass through. */
export function mapAwsError(e: unknown, operation: string, profile: string | undefined): unknown {
  if (e instanceof KsctlError) return e;
  const err = e as SdkLikeError;
  if (!err || typeof err !== 'object') return e;
  const name = err.name ?? '';
  const message = (err.message ?? '').split('\n')[0] ?? '';
  const who = profile ? `profile "${profile}"` : 'AWS_PROFILE';
  const login = profile ? `aws sso login --profile ${profile}` : 'aws sso login';
  if (name === 'AbortError') return new InterruptedError('interrupted', { cause: e });
  if (CREDENTIAL_MISSING.has(name)) {
    if (/expired|refresh|sso session/i.test(message)) {
      return new PrerequisiteError(`AWS credentials have expired: run '${login}' or refresh them`, {
        cause: e,
        hint: `run '${login}'`,
      });
    }
    return new PrerequisiteError(
      profile
        ? `AWS credentials not found for profile "${profile}": check ~/.aws/config or run '${login}'`
        : `AWS credentials not found: set AWS_PROFILE or run 'aws sso login'`,
      { cause: e, hint: `set ${who} or run '${login}'` },
    );
  }
  if (CREDENTIAL_EXPIRED.has(name)) {
    return new PrerequisiteError(`AWS credentials have expired: run '${login}' or refresh them`, {
      cause: e,
      hint: `run '${login}'`,
    });
  }
  if (CREDENTIAL_INVALID.has(name)) {
    return new PrerequisiteError(`AWS rejected the credentials (${name}): check ${who} or run '${login}'`, {
      cause: e,
    });
  }
  if (isServiceError(err)) return new AwsApiError(operation, name || 'UnknownError', message, e);
  return e;
}

/** Runs a delete-like call for which "not found" (or one of `alsoFine`) means it is already done. */
export async function ignoreNotFound(call: () => Promise<unknown>, ...alsoFine: string[]): Promise<void> {
  try {
    await call();
  } catch (e) {
    if (!isNotFound(e) && !hasCode(e, ...alsoFine)) throw e;
  }
}
