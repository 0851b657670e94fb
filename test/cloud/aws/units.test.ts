import { describe, expect, it } from 'vitest';
import { checkVpcCidr, subnetCidr } from '../../../src/cloud/common/cidr.js';
import { eksKubeconfig } from '../../../src/cloud/aws/eks/kubeconfig.js';
import { firewallRules } from '../../../src/cloud/common/firewall-rules.js';
import { generateEd25519, publicKeyOf } from '../../../src/cloud/common/keys.js';
import { iamRoleName, machineClientToken } from '../../../src/cloud/aws/naming.js';
import { hostKeyUserData } from '../../../src/cloud/common/userdata.js';
import { InputError } from '../../../src/errors.js';
import { awsSpec } from '../../fakes/aws/world.js';

describe('AWS provider helpers', () => {
  it.each([
    ['10.0.0.0/16', 0, '10.0.0.0/20'],
    ['10.0.0.0/16', 2, '10.0.32.0/20'],
    ['172.16.8.0/22', 1, '172.16.8.64/26'],
    ['192.168.1.0/24', 2, '192.168.1.32/28'],
  ])('subnet %s #%i is %s', (vpc, i, want) => expect(subnetCidr(vpc, i)).toBe(want));

  it.each(['10.0.0.0/8', '10.0.0.0/25', '10.0.0/16', '300.0.0.0/16'])('rejects VPC range %s', (c) =>
    expect(() => checkVpcCidr(c)).toThrow(InputError),
  );

  it('derives client tokens per cluster incarnation, machine, generation and request, within EC2 limits', () => {
    const spec = awsSpec();
    const req = { SubnetId: 'subnet-1', InstanceType: 't3.large' };
    const t = machineClientToken(spec, 'uid-1', 'demo-worker-0', 0, req);
    expect(t).toBe(
      machineClientToken(spec, 'uid-1', 'demo-worker-0', 0, { InstanceType: 't3.large', SubnetId: 'subnet-1' }),
    );
    expect(t).not.toBe(machineClientToken(spec, 'uid-1', 'demo-worker-0', 1, req));
    expect(t).not.toBe(machineClientToken(spec, 'uid-2', 'demo-worker-0', 0, req));
    expect(t).not.toBe(machineClientToken(spec, 'uid-1', 'demo-worker-0', 0, { ...req, SubnetId: 'subnet-2' }));
    expect(t).not.toBe(machineClientToken({ ...spec, region: 'eu-west-1' }, 'uid-1', 'demo-worker-0', 0, req));
    expect(t.length).toBeLessThanOrEqual(64);
  });

  it('keeps IAM role names within 64 characters and unique', () => {
    const long = awsSpec({ name: 'a-very-long-cluster-name-that-goes-on-and-on-forever', region: 'ap-southeast-4' });
    const n = iamRoleName(long, 'cluster');
    expect(n.length).toBeLessThanOrEqual(64);
    expect(n).not.toBe(iamRoleName(long, 'node'));
  });

  it.each([
    ['k3s, external etcd', awsSpec()],
    ['kubeadm, stacked etcd', awsSpec({ distribution: 'kubeadm', etcd: { count: 0, size: '' } })],
  ])('firewall (%s): public sources only the operator, only on 22 (and 6443 at the LB)', (_n, spec) => {
    const rules = firewallRules(spec, ['203.0.113.9/32']);
    for (const [role, list] of Object.entries(rules)) {
      for (const r of list.filter((x) => 'cidr' in x.source)) {
        expect((r.source as { cidr: string }).cidr).toBe('203.0.113.9/32');
        expect(role === 'loadbalancer' ? [22, 6443] : [22]).toContain(r.from);
      }
    }
    if (spec.etcd.count === 0) {
      expect(rules.etcd).toEqual([]);
      expect(
        rules.controlplane.some((r) => r.from === 2379 && 'group' in r.source && r.source.group === 'controlplane'),
      ).toBe(true);
    }
    expect(rules.worker.some((r) => r.from === 10256)).toBe(spec.distribution === 'kubeadm');
  });

  it('generates parseable ed25519 keys every time (ssh2 alone fails about 1 in 256)', async () => {
    for (let i = 0; i < 600; i++) {
      const k = await generateEd25519();
      expect(await publicKeyOf(k)).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}$/);
    }
  });

  it('puts the host key into cloud-init user data', async () => {
    const priv = await generateEd25519();
    const pub = await publicKeyOf(priv);
    const ud = hostKeyUserData(priv, pub);
    expect(ud.split('\n')[0]).toBe('#cloud-config');
    expect(ud).toContain('ssh_deletekeys: true');
    expect(ud).toContain(`  ed25519_public: ${pub}`);
    expect(ud).toContain('    -----BEGIN OPENSSH PRIVATE KEY-----');
  });

  it('renders an EKS kubeconfig without secrets', () => {
    const kc = eksKubeconfig(awsSpec({ name: 'x', type: 'managed' }), 'https://abc.eks.amazonaws.com', 'Q0E=');
    expect(kc).toContain('command: aws');
    expect(kc).not.toMatch(/token:|client-key-data|password/);
  });
});
