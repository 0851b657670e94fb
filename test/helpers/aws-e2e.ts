/**
 * What every CLI e2e file on the AWS fake gives `cloudE2e` (cloud-e2e.ts): the machine sizes, the
 * operator's address, and a FakeAws on a virtual clock (an instance's 30 s start costs no wall time)
 * in which every instance gets its SSH test host's address.
 */
import { FakeAws } from '../fakes/aws/fake-aws.js';

export const AWS_E2E = {
  cloud: 'aws',
  sizes: { loadBalancer: 't3.micro', etcd: 't3.small', controlPlane: 't3.medium', workers: 't3.large' },
  operatorCidr: '198.51.100.77/32',
  stateEnv: 'KSCTL_FAKE_AWS_STATE',
  saveFake: (file: string, addresses: Record<string, string>) =>
    new FakeAws({
      clock: 'virtual',
      config: {
        ipMap: Object.fromEntries(Object.entries(addresses).map(([n, a]) => [n, { privateIp: a, publicIp: a }])),
      },
    }).save(file),
} as const;
