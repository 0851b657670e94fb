import { describe, expect, it } from 'vitest';
import { expectConverged } from '../../contract/provider-contract.js';
import { awsSpec, selfManagedWorld } from '../../fakes/aws/world.js';
import { isSimulatedCrash } from '../../fakes/aws/fake-aws.js';
import { InterruptedError } from '../../../src/errors.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import { runSteps } from '../../contract/run-steps.js';
import { createSelfManaged, userDataOf } from './helpers.js';
import type { WireDoc } from '../../helpers/wire.js';

describe('AWS self-managed provider on FakeAws', () => {
  it('creates the default 8-VM HA cluster: tagged at creation, recorded, spread over three zones', async () => {
    const w = selfManagedWorld(awsSpec());
    const { cluster, ctx } = await createSelfManaged(w.provider(), w.spec);
    expectConverged(w, cluster);
    const machines = Object.values(cluster.state!.machines);
    expect(machines.map((m) => m.name).sort()).toEqual([
      'demo-controlplane-0',
      'demo-controlplane-1',
      'demo-controlplane-2',
      'demo-etcd-0',
      'demo-etcd-1',
      'demo-etcd-2',
      'demo-loadbalancer-0',
      'demo-worker-0',
    ]);
    const zones = (role: string) => new Set(machines.filter((m) => m.role === role).map((m) => m.zone));
    expect(zones('etcd').size).toBe(3);
    expect(zones('controlplane').size).toBe(3);
    // Created with tags (TagSpecifications), never tagged afterwards.
    expect(w.fake.callsOf('ec2:CreateTags')).toEqual([]);
    for (const c of w.fake
      .mutatingCalls()
      .filter((x) => x.op.startsWith('Create') && x.service === 'ec2' && x.op !== 'CreateRoute')) {
      expect((c.input as { TagSpecifications?: unknown[] }).TagSpecifications, c.op).toBeTruthy();
    }
    for (const m of machines) {
      expect(m).toMatchObject({ sshUser: 'ubuntu', sshPort: 22, status: 'running', spot: false });
      expect(await ctx.cluster.secrets.get(`hostkeys/${m.name}`)).toMatch(/OPENSSH PRIVATE KEY/);
    }
    const vpc = Object.values(w.fake.data.vpcs)[0]!;
    expect(vpc.dnsHostnames).toBe(true);
    expect(Object.values(w.fake.data.subnets).every((s) => s.mapPublicIp)).toBe(true);
    const rtb = Object.values(w.fake.data.routeTables).find((r) => !r.main)!;
    expect(rtb.routes).toContainEqual({ dest: '0.0.0.0/0', gatewayId: Object.keys(w.fake.data.igws)[0] });
    expect(rtb.associations).toHaveLength(3);
  });

  it('launches each machine with its pinned host key, IMDSv2, a deterministic ClientToken and the role group', async () => {
    const w = selfManagedWorld(awsSpec({ workers: { count: 2, size: 't3.large', spot: true } }));
    const { cluster } = await createSelfManaged(w.provider(), w.spec);
    const runs = w.fake.callsOf('ec2:RunInstances', 'ok');
    expect(runs).toHaveLength(9);
    const sgByRole = Object.fromEntries(
      Object.entries(cluster.state!.resources)
        .filter(([k]) => k.startsWith('sg/'))
        .map(([k, r]) => [k.slice(3), r.id]),
    );
    for (const call of runs) {
      const input = call.input as WireDoc;
      const name = input.TagSpecifications[0].Tags.find((t: { Key: string }) => t.Key === 'ksctl.io/machine')
        .Value as string;
      const m = cluster.state!.machines[name]!;
      expect(input.ClientToken).toMatch(/^ksctl-[0-9a-f]{40}$/);
      expect(input.MetadataOptions).toEqual({
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 1,
        HttpEndpoint: 'enabled',
      });
      expect(input.KeyName).toBe('ksctl-demo');
      expect(input.SecurityGroupIds).toEqual([sgByRole[m.role]]);
      expect(input.TagSpecifications.map((t: { ResourceType: string }) => t.ResourceType)).toEqual([
        'instance',
        'volume',
      ]);
      expect(userDataOf(input)).toContain(`ed25519_public: ${m.hostKeys[0]}`);
      expect(Boolean(input.InstanceMarketOptions)).toBe(m.role === 'worker');
      expect(m.spot).toBe(m.role === 'worker');
    }
    expect(new Set(runs.map((r) => (r.input as { ClientToken: string }).ClientToken)).size).toBe(9);
  });

  it('opens SSH and the public API port only to the operator, and the rest only by group reference', async () => {
    const w = selfManagedWorld(awsSpec());
    await createSelfManaged(w.provider(), w.spec);
    const groups = Object.values(w.fake.data.sgs).filter((g) => !g.isDefault);
    const byId = Object.fromEntries(groups.map((g) => [g.id, g.tags['ksctl.io/role']]));
    for (const g of groups) {
      const role = g.tags['ksctl.io/role'];
      const cidrRules = g.ingress.filter((r) => r.cidr || r.cidr6);
      for (const r of cidrRules) {
        expect(r.cidr, `${role} ${r.from}`).toBe('198.51.100.77/32');
        expect(role === 'loadbalancer' ? [22, 6443] : [22], `${role} public port ${r.from}`).toContain(r.from);
      }
      const refs = g.ingress
        .filter((r) => r.groupId)
        .map((r) => `${r.proto}/${r.from}-${r.to} from ${byId[r.groupId!]}`);
      if (role === 'etcd') expect(refs.sort()).toEqual(['tcp/2379-2380 from controlplane', 'tcp/2379-2380 from etcd']);
      if (role === 'controlplane') expect(refs).toContain('tcp/6443-6443 from loadbalancer');
      if (role === 'worker') expect(refs).toContain('udp/8472-8472 from controlplane');
    }
  });

  it('uses the spec allowCidrs instead of looking the operator up', async () => {
    const w = selfManagedWorld(
      awsSpec({ network: { cidr: '10.1.0.0/16', allowCidrs: ['192.0.2.0/24', '2001:db8::/48'] } }),
    );
    w.fake.operatorIp = undefined;
    await createSelfManaged(w.provider(), w.spec);
    const lb = Object.values(w.fake.data.sgs).find((g) => g.tags['ksctl.io/role'] === 'loadbalancer')!;
    expect(
      lb.ingress
        .filter((r) => r.from === 6443 && !r.groupId)
        .map((r) => r.cidr ?? r.cidr6)
        .sort(),
    ).toEqual(['192.0.2.0/24', '2001:db8::/48']);
  });

  it('a re-run from a new operator address opens SSH and the API to it and revokes the old address; group rules stay', async () => {
    const w = selfManagedWorld(awsSpec());
    const { ctx } = await createSelfManaged(w.provider(), w.spec);
    const groups = () => Object.values(w.fake.data.sgs).filter((g) => g.tags['ksctl.io/role']);
    const cidrs = () => [...new Set(groups().flatMap((g) => g.ingress.filter((r) => !r.groupId).map((r) => r.cidr)))];
    const internal = () => groups().map((g) => g.ingress.filter((r) => r.groupId).length);
    const before = { cidrs: cidrs(), internal: internal() };
    expect(before.cidrs).toEqual([`${w.fake.operatorIp}/32`]);
    w.fake.operatorIp = '192.0.2.44';
    const firewall = w
      .provider()
      .infraSteps(w.spec)
      .find((s) => s.id === 'infra/firewall')!;
    await firewall.run(ctx);
    expect(cidrs()).toEqual(['192.0.2.44/32']);
    expect(internal()).toEqual(before.internal);
    const revokes = w.fake.callsOf('ec2:RevokeSecurityGroupIngress').length;
    expect(revokes).toBeGreaterThan(0);
    await w
      .provider()
      .infraSteps(w.spec)
      .find((s) => s.id === 'infra/firewall')!
      .run(ctx);
    expect(w.fake.callsOf('ec2:RevokeSecurityGroupIngress')).toHaveLength(revokes); // nothing stale left
  });

  it('recovers a lost RunInstances answer through the ClientToken even when the tag lookup misses the instance', async () => {
    // Eventual consistency: filtered DescribeInstances does not see new instances for a long time.
    const w = selfManagedWorld(awsSpec(), { config: { latencies: { tagIndexLag: 365 * 86_400_000 } } });
    const spec = w.spec;
    const ctx = stepContext(MemoryCluster.create(spec), spec);
    await runSteps(w.provider().infraSteps(spec), ctx);
    const lb = w.provider().machinePlan(spec)[0]!;
    w.fake.crashAt(1, 'after');
    await expect(w.provider().ensureMachine(ctx, lb)).rejects.toSatisfy(isSimulatedCrash);
    w.fake.clearFaults();
    const m = await w.provider().ensureMachine(stepContext(ctx.cluster, spec), lb);
    const runs = w.fake.callsOf('ec2:RunInstances');
    expect(runs).toHaveLength(2);
    expect((runs[0]!.input as { ClientToken: string }).ClientToken).toBe(
      (runs[1]!.input as { ClientToken: string }).ClientToken,
    );
    expect(w.fake.counts(undefined).instance).toBe(1);
    expect(m.providerId).toBe(Object.keys(w.fake.data.instances)[0]);
    // The kubelet's --provider-id: cloud-provider-aws's `aws:///<zone>/<instance>`.
    expect(m.zone).toMatch(/^us-east-1[a-f]$/);
    expect(m.nodeProviderId).toBe(`aws:///${m.zone}/${m.providerId}`);
  });

  it('deleteMachine terminates and forgets the instance record; ensureMachine then launches a new generation', async () => {
    const w = selfManagedWorld(awsSpec());
    const { cluster, ctx } = await createSelfManaged(w.provider(), w.spec);
    const worker = cluster.state!.machines['demo-worker-0']!;
    await w.provider().deleteMachine(ctx, worker);
    expect(w.fake.data.instances[worker.providerId!]!.state).toBe('terminated');
    expect(cluster.state!.machines['demo-worker-0']).toBeDefined(); // the manager forgets it, with the spec's count
    expect(cluster.state!.resources['instance/demo-worker-0']).toBeUndefined();
    const again = await w.provider().ensureMachine(
      ctx,
      w
        .provider()
        .machinePlan(w.spec)
        .find((m) => m.name === 'demo-worker-0')!,
    );
    expect(again.providerId).not.toBe(worker.providerId);
    expect(again.hostKeys).toEqual(worker.hostKeys); // the stored host key is reused
    const tokens = w.fake
      .callsOf('ec2:RunInstances')
      .filter((c) =>
        (c.input as WireDoc).TagSpecifications[0].Tags.some((t: { Value: string }) => t.Value === 'demo-worker-0'),
      )
      .map((c) => (c.input as WireDoc).ClientToken);
    expect(tokens).toHaveLength(3); // generation 0, generation 0 again (answers "terminated"), generation 1
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
    expect(w.fake.counts('aws/us-east-1/demo').instance).toBe(8);
  });

  it('a cluster deleted and created again an hour later launches every machine anew: no token of the first incarnation reused', async () => {
    const w = selfManagedWorld(awsSpec());
    const first = await createSelfManaged(w.provider(), w.spec);
    const tokensOf = (from: number) =>
      new Set(
        w.fake
          .callsOf('ec2:RunInstances')
          .slice(from)
          .map((c) => (c.input as { ClientToken: string }).ClientToken),
      );
    const firstTokens = tokensOf(0);
    await w.provider().destroy(stepContext(first.cluster.reopen(), w.spec));
    w.fake.clock.advance(3_600_000); // EC2 remembers tokens ≥ 24 h after termination; so does the fake
    const before = w.fake.callsOf('ec2:RunInstances').length;
    const second = await createSelfManaged(w.provider(), w.spec);
    expectConverged(w, second.cluster);
    expect(w.fake.callsOf('ec2:RunInstances', 'IdempotentParameterMismatch')).toEqual([]);
    expect([...tokensOf(before)].filter((t) => firstTokens.has(t))).toEqual([]);
    expect(w.fake.counts('aws/us-east-1/demo').instance).toBe(8);
  });

  it('a ClientToken EC2 already holds for another request (IdempotentParameterMismatch) moves on to the next generation', async () => {
    const w = selfManagedWorld(awsSpec());
    const { cluster, ctx } = await createSelfManaged(w.provider(), w.spec);
    const worker = cluster.state!.machines['demo-worker-0']!;
    await w.provider().deleteMachine(ctx, worker);
    // Every remembered token now stands for a different request (as after an upgrade from
    // tokens that did not hash the request, or a changed subnet under an old token).
    for (const t of Object.values(w.fake.data.clientTokens)) t.hash = 'another request';
    const again = await w.provider().ensureMachine(
      ctx,
      w
        .provider()
        .machinePlan(w.spec)
        .find((m) => m.name === 'demo-worker-0')!,
    );
    expect(again.providerId).not.toBe(worker.providerId);
    expect(w.fake.callsOf('ec2:RunInstances', 'IdempotentParameterMismatch')).toHaveLength(1);
    expect(w.fake.counts('aws/us-east-1/demo').instance).toBe(8);
  });

  it('pages through listings and never touches another cluster in the same account', async () => {
    const w = selfManagedWorld(awsSpec(), { config: { pageSize: 2 } });
    const other = awsSpec({ name: 'other', network: { cidr: '10.9.0.0/16', allowCidrs: [] } });
    await createSelfManaged(w.provider(), other);
    const { cluster } = await createSelfManaged(w.provider(), w.spec);
    const { volume: _v, ...expected } = w.expectedCounts();
    expect(w.fake.counts('aws/us-east-1/demo')).toEqual({ ...expected, volume: 8 });
    expect(w.fake.calls.some((c) => c.op === 'DescribeInstances' && JSON.stringify(c).includes('NextToken'))).toBe(
      false,
    ); // reads are not logged with input
    expect(w.fake.calls.filter((c) => c.op === 'DescribeInstances').length).toBeGreaterThan(20);
    const before = w.fake.counts('aws/us-east-1/other');
    await w.provider().destroy(stepContext(cluster, w.spec));
    expect(w.fake.counts('aws/us-east-1/demo')).toEqual({});
    expect(w.fake.counts('aws/us-east-1/other')).toEqual(before);
  });

  it('waits out dependencies AWS is still releasing (ENIs of terminated instances)', async () => {
    const w = selfManagedWorld(awsSpec(), { config: { latencies: { eniRelease: 5 * 60_000 } } });
    const { cluster } = await createSelfManaged(w.provider(), w.spec);
    await w.provider().destroy(stepContext(cluster, w.spec));
    expect(w.fake.calls.filter((c) => c.outcome === 'DependencyViolation').length).toBeGreaterThan(0);
    expect(w.fake.inventory()).toEqual([]);
  });

  it('stops waiting for an instance when the step is aborted (Ctrl-C)', async () => {
    const w = selfManagedWorld(awsSpec(), { config: { latencies: { instanceStart: 3_600_000 } } });
    const ctx = stepContext(MemoryCluster.create(w.spec), w.spec);
    await runSteps(w.provider().infraSteps(w.spec), ctx);
    const ac = new AbortController();
    w.fake.onCall = () => {
      if (w.fake.callsOf('ec2:DescribeInstances').length >= 3) ac.abort();
    };
    const lb = w.provider().machinePlan(w.spec)[0]!;
    const err = await w
      .provider()
      .ensureMachine(stepContext(ctx.cluster, w.spec, { signal: ac.signal }), lb)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).message).toMatch(/interrupted while waiting for demo-loadbalancer-0/);
  });

  it('plans deterministically without calling AWS', () => {
    const w = selfManagedWorld(awsSpec({ workers: { count: 2, size: 't3.large', spot: true } }));
    const p = w.provider();
    expect(p.machinePlan(w.spec).map((m) => `${m.name}:${m.size}:${m.spot}`)).toEqual([
      'demo-loadbalancer-0:t3.micro:false',
      'demo-etcd-0:t3.small:false',
      'demo-etcd-1:t3.small:false',
      'demo-etcd-2:t3.small:false',
      'demo-controlplane-0:t3.medium:false',
      'demo-controlplane-1:t3.medium:false',
      'demo-controlplane-2:t3.medium:false',
      'demo-worker-0:t3.large:true',
      'demo-worker-1:t3.large:true',
    ]);
    expect(p.plannedResources(w.spec).filter((r) => r.kind === 'aws:security-group')).toHaveLength(4);
    expect(p.infraSteps(w.spec).map((s) => `${s.id}<-${s.needs.join(',')}`)).toEqual([
      'infra/network<-',
      'infra/firewall<-infra/network',
      'infra/sshkey<-',
    ]);
    expect(p.machineNeeds('worker')).toEqual(['infra/network', 'infra/firewall', 'infra/sshkey']);
    expect(w.fake.calls).toEqual([]);
  });

  it('hands out the cluster key for SSH', async () => {
    const w = selfManagedWorld(
      awsSpec({ controlPlane: { count: 1, size: 't3.medium' }, etcd: { count: 0, size: '' } }),
    );
    const { cluster, ctx } = await createSelfManaged(w.provider(), w.spec);
    const key = await w.provider().sshPrivateKey!(ctx, Object.values(cluster.state!.machines)[0]!);
    expect(key).toBe(await cluster.secrets.get('ssh/id_ed25519'));
    const imported = Object.values(w.fake.data.keyPairs)[0]!;
    expect(imported.keyType).toBe('ed25519');
  });

  it('replaces a key pair that no longer matches the stored key', async () => {
    const w = selfManagedWorld(
      awsSpec({
        controlPlane: { count: 1, size: 't3.medium' },
        etcd: { count: 0, size: '' },
        workers: { count: 0, size: 't3.large', spot: false },
      }),
    );
    const { cluster } = await createSelfManaged(w.provider(), w.spec);
    const first = Object.values(w.fake.data.keyPairs)[0]!.publicKey;
    await cluster.secrets.delete('ssh/id_ed25519');
    const step = w
      .provider()
      .infraSteps(w.spec)
      .find((s) => s.id === 'infra/sshkey')!;
    await step.run(stepContext(MemoryCluster.prototype.reopen.call(cluster), w.spec));
    const keys = Object.values(w.fake.data.keyPairs);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.publicKey).not.toBe(first);
  });
});
