/** Fake SSM (Canonical's public AMI parameters), STS (caller identity) and Service Quotas (EC2 vCPUs). */
import { quotasError, ssmError } from './errors.js';
import { amiId, type Handler } from './model.js';

const UBUNTU =
  /^\/aws\/service\/canonical\/ubuntu\/server\/24\.04\/stable\/current\/(amd64|arm64)\/hvm\/ebs-gp3\/ami-id$/;

export const ssmHandlers: Record<string, Handler> = {
  GetParameter(env, i) {
    const m = UBUNTU.exec(String(i.Name ?? ''));
    if (!m) throw ssmError('ParameterNotFound', `Parameter ${i.Name} not found.`);
    const value = amiId(env.region, m[1] === 'arm64' ? 'arm64' : 'x86_64');
    return {
      Parameter: {
        Name: i.Name,
        Type: 'String',
        Value: value,
        Version: 42,
        DataType: 'aws:ec2:image',
        ARN: `arn:aws:ssm:${env.region}::parameter${i.Name}`,
      },
    };
  },
};

export const stsHandlers: Record<string, Handler> = {
  GetCallerIdentity(env) {
    return {
      Account: env.config.account,
      Arn: `arn:aws:iam::${env.config.account}:user/ksctl-fake`,
      UserId: 'AIDAFAKEKSCTL',
    };
  },
};

const QUOTA_NAMES: Record<string, string> = {
  'L-1216C47A': 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
  'L-34B43A08': 'All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests',
};

export const quotasHandlers: Record<string, Handler> = {
  GetServiceQuota(env, i) {
    if (i.ServiceCode !== 'ec2' || !QUOTA_NAMES[i.QuotaCode])
      throw quotasError(
        'NoSuchResourceException',
        `The request failed because the specified quota ${i.QuotaCode} doesn't exist.`,
      );
    const q = env.config.quotas[env.region] ?? env.config.defaultQuota;
    const value = i.QuotaCode === 'L-1216C47A' ? q.onDemand : q.spot;
    return {
      Quota: {
        ServiceCode: 'ec2',
        QuotaCode: i.QuotaCode,
        QuotaName: QUOTA_NAMES[i.QuotaCode],
        Value: value,
        Unit: 'None',
        Adjustable: true,
      },
    };
  },
};
