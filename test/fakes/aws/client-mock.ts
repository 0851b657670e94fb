/**
 * The aws-sdk-client-mock way of installing FakeAws: replaces each client's `send`, so requests are
 * neither serialised nor retried. Kept to show (in tests) why FakeAws.attach is the default.
 */
import type { Service } from './errors.js';
import { HANDLERS, type FakeAws } from './fake-aws.js';

/** Installs the mocks; returns a function that restores the real `send`. */
export async function installClientMock(fake: FakeAws): Promise<() => void> {
  const { mockClient } = await import('aws-sdk-client-mock');
  const mods: [Service, Record<string, unknown>, string][] = [
    ['ec2', await import('@aws-sdk/client-ec2'), 'EC2Client'],
    ['eks', await import('@aws-sdk/client-eks'), 'EKSClient'],
    ['iam', await import('@aws-sdk/client-iam'), 'IAMClient'],
    ['ssm', await import('@aws-sdk/client-ssm'), 'SSMClient'],
    ['sts', await import('@aws-sdk/client-sts'), 'STSClient'],
    ['service-quotas', await import('@aws-sdk/client-service-quotas'), 'ServiceQuotasClient'],
  ];
  const mocks = mods.map(([service, mod, clientName]) => {
    const m = mockClient(mod[clientName] as never);
    for (const op of Object.keys(HANDLERS[service])) {
      const cmd = mod[`${op}Command`];
      if (!cmd) continue;
      (
        m.on(cmd as never) as { callsFake(fn: (input: unknown, getClient: () => unknown) => unknown): unknown }
      ).callsFake(async (input, getClient) => {
        const cfg = (getClient() as { config: { region: () => Promise<string> } }).config;
        return fake.dispatch(service, op, input, await cfg.region());
      });
    }
    return m;
  });
  return () => mocks.forEach((m) => m.restore());
}
