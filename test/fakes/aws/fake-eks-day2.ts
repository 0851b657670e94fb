/**
 * Fake EKS, what node groups' day 2 adds: EKS's checks of a scaling config and a labels payload (botocore eks 2017-11-01: minSize ≥ 0, maxSize ≥ 1, min ≤ desired ≤ max).
 */
import { eksError } from './errors.js';

export function checkScaling(s: { minSize?: number; maxSize?: number; desiredSize?: number }): void {
  const { minSize, maxSize, desiredSize } = s;
  if (maxSize !== undefined && maxSize < 1)
    throw eksError('InvalidParameterException', `Maximum capacity ${maxSize} must be at least 1`);
  if (minSize !== undefined && maxSize !== undefined && minSize > maxSize)
    throw eksError(
      'InvalidParameterException',
      `Minimum capacity ${minSize} can't be greater than maximum capacity ${maxSize}`,
    );
  if (desiredSize !== undefined && maxSize !== undefined && desiredSize > maxSize)
    throw eksError(
      'InvalidParameterException',
      `Desired capacity ${desiredSize} can't be greater than max size ${maxSize}`,
    );
  if (desiredSize !== undefined && minSize !== undefined && desiredSize < minSize)
    throw eksError(
      'InvalidParameterException',
      `Minimum capacity ${minSize} can't be greater than desired size ${desiredSize}`,
    );
}

/** Like EKS: a key may not be both added and removed in one payload. */
export function checkLabelPayload(
  p: { addOrUpdateLabels?: Record<string, string>; removeLabels?: string[] } | undefined,
): void {
  const both = (p?.removeLabels ?? []).filter((k) => k in (p?.addOrUpdateLabels ?? {}));
  if (both.length > 0)
    throw eksError('InvalidParameterException', `The following labels are both added and removed: ${both.join(', ')}`);
}
