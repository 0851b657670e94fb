/**
 * Errors the fake throws, built as the SDK's own exception classes so the provider's error handling
 * (and the SDK's retry classification) sees what the real SDK would throw.
 */
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import {
  EKSServiceException,
  InvalidParameterException,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  IAMServiceException,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { NoSuchResourceException, ServiceQuotasServiceException } from '@aws-sdk/client-service-quotas';
import { ParameterNotFound, SSMServiceException } from '@aws-sdk/client-ssm';
import { STSServiceException } from '@aws-sdk/client-sts';

export type Service = 'ec2' | 'eks' | 'iam' | 'ssm' | 'sts' | 'service-quotas';

/** Thrown instead of a response to simulate the ksctl process dying before/after a call. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
  constructor(readonly call: string) {
    super(`simulated crash at ${call}`);
  }
}

export function isSimulatedCrash(e: unknown): boolean {
  for (let x = e as { name?: string; cause?: unknown } | undefined, i = 0; x && i < 5; x = x.cause as typeof x, i++) {
    if (x.name === 'SimulatedCrash') return true;
  }
  return false;
}

const meta = (status: number) => ({
  httpStatusCode: status,
  requestId: `fake-${Math.random().toString(16).slice(2, 10)}`,
  attempts: 1,
  totalRetryDelay: 0,
});

export function ec2Error(code: string, message: string, status = 400): EC2ServiceException {
  return new EC2ServiceException({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: meta(status),
    message,
  });
}

export function eksError(code: string, message: string, status = 400): Error {
  const opts = { $metadata: meta(status), message };
  switch (code) {
    case 'ResourceNotFoundException':
      return new ResourceNotFoundException({ ...opts, $metadata: meta(404) });
    case 'ResourceInUseException':
      return new ResourceInUseException({ ...opts, $metadata: meta(409) });
    case 'InvalidParameterException':
      return new InvalidParameterException(opts);
    default:
      return new EKSServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', ...opts });
  }
}

export function iamError(code: string, message: string, status = 400): Error {
  const opts = { $metadata: meta(status), message };
  switch (code) {
    case 'NoSuchEntity':
      return new NoSuchEntityException({ ...opts, $metadata: meta(404) });
    case 'EntityAlreadyExists':
      return new EntityAlreadyExistsException({ ...opts, $metadata: meta(409) });
    case 'DeleteConflict':
      return new DeleteConflictException({ ...opts, $metadata: meta(409) });
    default:
      return new IAMServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', ...opts });
  }
}

export function ssmError(code: string, message: string): Error {
  if (code === 'ParameterNotFound') return new ParameterNotFound({ $metadata: meta(400), message });
  return new SSMServiceException({ name: code, $fault: 'client', $metadata: meta(400), message });
}

export function quotasError(code: string, message: string): Error {
  if (code === 'NoSuchResourceException') return new NoSuchResourceException({ $metadata: meta(400), message });
  return new ServiceQuotasServiceException({ name: code, $fault: 'client', $metadata: meta(400), message });
}

export function stsError(code: string, message: string, status = 403): Error {
  return new STSServiceException({ name: code, $fault: 'client', $metadata: meta(status), message });
}

/** What each service answers when it throttles (names the SDK retry strategy classifies as throttling). */
export function throttlingError(service: Service): Error {
  switch (service) {
    case 'ec2':
      return ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503);
    case 'iam':
      return iamError('Throttling', 'Rate exceeded', 400);
    case 'sts':
      return stsError('Throttling', 'Rate exceeded', 400);
    case 'ssm':
      return ssmError('ThrottlingException', 'Rate exceeded');
    case 'service-quotas':
      return quotasError('TooManyRequestsException', 'Rate exceeded');
    default:
      return eksError('ThrottlingException', 'Rate exceeded', 429);
  }
}

/** An arbitrary error code for a service (fault injection). */
export function serviceError(service: Service, code: string, message = code): Error {
  switch (service) {
    case 'ec2':
      return ec2Error(code, message);
    case 'eks':
      return eksError(code, message);
    case 'iam':
      return iamError(code, message);
    case 'ssm':
      return ssmError(code, message);
    case 'service-quotas':
      return quotasError(code, message);
    default:
      return stsError(code, message);
  }
}

/**
 * What the service answers a request its model rejects: EC2's documented common client errors
 * (`UnknownParameter`, `MissingParameter`, `InvalidParameterValue`), EKS's
 * `InvalidParameterException`, the query services' (IAM, STS) `ValidationError`, the JSON ones'
 * `ValidationException` (Service Quotas: `IllegalArgumentException`).
 */
export function modelValidationError(service: Service, problems: readonly string[]): Error {
  const message = `request refused by the ${service} model: ${problems.join('; ')}`;
  switch (service) {
    case 'ec2': {
      const first = problems[0] ?? '';
      const code = / not a member of /.test(first)
        ? 'UnknownParameter'
        : /: required$/.test(first)
          ? 'MissingParameter'
          : 'InvalidParameterValue';
      return ec2Error(code, message);
    }
    case 'eks':
      return eksError('InvalidParameterException', message);
    case 'iam':
      return iamError('ValidationError', message);
    case 'sts':
      return stsError('ValidationError', message, 400);
    case 'service-quotas':
      return quotasError('IllegalArgumentException', message);
    default:
      return ssmError('ValidationException', message);
  }
}
