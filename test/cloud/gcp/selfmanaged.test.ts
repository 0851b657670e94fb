/** Compute Engine self-managed: the full HA shape on FakeGcp, and what each request carries. */
import { describe, expect, it } from 'vitest';
import { firewallPlan } from '../../../src/cloud/gcp/firewall.js';
import { roleTag } from '../../../src/cloud/gcp/naming.js';
import { gcpSpec, selfManagedWorld } from '../../fakes/gcp/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import { runSteps, selfManagedSteps } from '../../contract/run-steps.js';
import { expectConverged } from '../../contract/provider-contract.js';
import type { WireDoc } from '../../helpers/wire.js';

const LABEL = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function created(spec = gcpSpec({ workers: { count: 2, size: 'e2-standard-2', spot: true } })) {
  const w = selfManagedWorld(spec);
  const cluster = MemoryCluster.create(spec);
  const ctx = stepContext(cluster, spec);
  const p = w.provider();
  await p.preflight(ctx);
  await runSteps(selfManagedSteps(p, spec), ctx);
  return { w, cluster, ctx, p, spec };
}

describe('GCP self-managed', () => {
  it('creates the HA shape (9 VMs) spread over the zones, labelled, with requestIds', async () => {
    const { w, cluster } = await created();
    expectConverged(w, cluster);
    const inserts = w.fake.callsOf('instances:insert', 'ok');
    expect(inserts).toHaveLength(9);
    const zones = new Set(inserts.map((c) => c.input.zone));
    expect(zones.size).toBeGreaterThan(1);
    for (const c of w.fake.mutatingCalls().filter((x) => x.op.endsWith(':insert')))
      expect(c.input.requestId).toMatch(UUID);
    for (const c of inserts) {
      const labels = c.input.instanceResource.labels as Record<string, string>;
      for (const [k, v] of Object.entries(labels)) {
        expect(k).toMatch(LABEL);
        expect(v).toMatch(LABEL_VALUE);
      }
      expect(c.input.instanceResource.disks[0].initializeParams.sourceImage).toMatch(
        /ubuntu-os-cloud\/global\/images\/ubuntu-2404/,
      );
    }
  });

  it('puts the user key in ssh-keys metadata and the pinned host key in cloud-init user-data', async () => {
    const { w, cluster, p, ctx } = await created();
    const userKey = await p.sshPrivateKey!(ctx, Object.values(cluster.state!.machines)[0]!);
    expect(userKey).toMatch(/OPENSSH PRIVATE KEY/);
    for (const c of w.fake.callsOf('instances:insert', 'ok')) {
      const r = c.input.instanceResource;
      const meta = Object.fromEntries(
        (r.metadata.items as { key: string; value: string }[]).map((i) => [i.key, i.value]),
      );
      expect(meta['ssh-keys']).toMatch(/^ubuntu:ssh-ed25519 AAAA\S+ ksctl$/);
      const machine = Object.values(cluster.state!.machines).find((m) => m.providerId?.endsWith(`/${r.name}`))!;
      // The kubelet's --provider-id: the GCE form `gce://<project>/<zone>/<instance>`.
      expect(machine.nodeProviderId).toBe(`gce://ksctl-fake-project/${c.input.zone}/${r.name}`);
      expect(meta['user-data']).toContain('#cloud-config');
      expect(meta['user-data']).toContain(`ed25519_public: ${machine.hostKeys[0]}`);
      expect(await cluster.secrets.get(`hostkeys/${machine.name}`)).toMatch(/PRIVATE KEY/);
      expect(JSON.stringify(cluster.state)).not.toContain('PRIVATE KEY');
    }
  });

  it('makes workers spot with --spot and only them', async () => {
    const { w } = await created();
    for (const c of w.fake.callsOf('instances:insert', 'ok')) {
      const spot = c.input.instanceResource.scheduling.provisioningModel === 'SPOT';
      expect(spot, c.input.instanceResource.name).toBe(/-worker-/.test(c.input.instanceResource.name));
    }
  });

  it('opens SSH and 6443 only to the operator; cluster traffic by source tags', async () => {
    const { w, spec } = await created();
    const inserted = w.fake.callsOf('firewalls:insert', 'ok').map((c) => c.input.firewallResource);
    expect(inserted).toHaveLength(firewallPlan(spec, ['x/32']).length);
    for (const f of inserted) {
      const ports = f.allowed.flatMap((a: { ports: string[] }) => a.ports);
      if (f.sourceRanges) {
        expect(f.sourceRanges).toEqual(['198.51.100.77/32']);
        expect(ports.every((p: string) => p === '22' || p === '6443')).toBe(true);
      } else {
        expect(f.sourceTags.length).toBeGreaterThan(0);
        expect(f.sourceTags.every((t: string) => t.startsWith(roleTag(spec, '').slice(0, -1)))).toBe(true);
      }
      expect(f.targetTags).toHaveLength(1);
    }
    const lbFromOperator = inserted.find((f) => f.targetTags[0] === roleTag(spec, 'loadbalancer') && f.sourceRanges);
    expect(lbFromOperator.allowed[0].ports).toEqual(['22', '6443']);
  });

  it('Arm machine types boot the arm64 Ubuntu image, the others amd64 (Compute refuses the other pairing)', async () => {
    const spec = gcpSpec({ workers: { count: 2, size: 't2a-standard-2', spot: false } });
    const w = selfManagedWorld(spec);
    const cluster = MemoryCluster.create(spec);
    const ctx = stepContext(cluster, spec);
    const p = w.provider();
    await p.preflight(ctx);
    await runSteps(selfManagedSteps(p, spec), ctx);
    const imageOf = (c: { input?: WireDoc }) => String(c.input.instanceResource.disks[0].initializeParams.sourceImage);
    const inserts = w.fake.callsOf('instances:insert', 'ok');
    expect(inserts).toHaveLength(9);
    for (const c of inserts) {
      const arm = String(c.input.instanceResource.machineType).endsWith('/t2a-standard-2');
      expect(imageOf(c), c.input.instanceResource.name).toMatch(
        arm ? /ubuntu-2404-noble-arm64-/ : /ubuntu-2404-noble-amd64-/,
      );
    }
    expect(w.fake.callsOf('images:getFromFamily').map((c) => c.outcome)).not.toContain('NOT_FOUND');
    expect(
      p
        .plannedResources(spec)
        .filter((r) => r.kind === 'gcp:instance')
        .map((r) => r.details?.['image']),
    ).toContain('ubuntu-os-cloud/ubuntu-2404-lts-arm64');
  });

  it('the fake refuses an x86 image on an Arm machine type, as Compute does', async () => {
    const w = selfManagedWorld(gcpSpec());
    const err = await w.fake
      .dispatch('instances:insert', {
        project: 'ksctl-fake-project',
        zone: 'us-central1-a',
        instanceResource: {
          name: 'x',
          machineType: 'zones/us-central1-a/machineTypes/t2a-standard-1',
          disks: [
            {
              boot: true,
              initializeParams: {
                sourceImage: 'projects/ubuntu-os-cloud/global/images/ubuntu-2404-noble-amd64-v20250101',
              },
            },
          ],
        },
      })
      .catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(
      /architecture \(X86_64\) is not compatible with machine type architecture \(ARM64\)/,
    );
  });

  it('a retried insert with the same requestId makes nothing new (lost response)', async () => {
    const spec = gcpSpec({
      name: 'dedup',
      controlPlane: { count: 1, size: 'e2-medium' },
      etcd: { count: 0, size: 'e2-small' },
      workers: { count: 0, size: 'e2-small', spot: false },
    });
    const w = selfManagedWorld(spec);
    // Simulate a lost answer: the insert takes effect, the client sees a throttle-like failure and retries.
    const insert = w.fake.dispatch.bind(w.fake);
    let first = true;
    w.fake.dispatch = async (op, req) => {
      const out = await insert(op, req);
      if (op === 'instances:insert' && first) {
        first = false;
        throw Object.assign(new Error('Quota exceeded: rateLimitExceeded'), { code: 8 });
      }
      return out;
    };
    const cluster = MemoryCluster.create(spec);
    const ctx = stepContext(cluster, spec);
    const p = w.provider();
    await p.preflight(ctx);
    await runSteps(selfManagedSteps(p, spec), ctx);
    const calls = w.fake.callsOf('instances:insert');
    expect(calls.length).toBe(3);
    expect(new Set(calls.map((c) => c.input.requestId)).size).toBe(2);
    expect(w.fake.inventory().filter((r) => r.kind === 'instance')).toHaveLength(2);
  });

  it('destroy with lost state still finds everything (label and name sweep)', async () => {
    const { w, spec } = await created();
    const fresh = MemoryCluster.create(spec);
    await w.provider().destroy(stepContext(fresh, spec));
    expect(w.fake.inventory()).toEqual([]);
  });

  it('deleteMachine removes one instance and its record', async () => {
    const { w, cluster, p, ctx } = await created();
    const m = cluster.state!.machines[`demo-worker-1`]!;
    await p.deleteMachine(ctx, m);
    expect(cluster.state!.machines['demo-worker-1']).toBeDefined(); // the manager forgets it, with the spec's count
    expect(cluster.state!.resources['instance/demo-worker-1']).toBeUndefined();
    expect(w.fake.inventory().filter((r) => r.kind === 'instance')).toHaveLength(8);
  });

  it('deleteMachine finds by name an instance whose insert was never recorded (a crash right after it)', async () => {
    const { w, cluster, p, ctx } = await created();
    await cluster.update((s) => {
      delete s.resources['instance/demo-worker-1'];
    });
    const { providerId: _id, ...unrecorded } = cluster.state!.machines['demo-worker-1']!;
    await p.deleteMachine(ctx, { ...unrecorded, status: 'pending' });
    expect(w.fake.callsOf('instances:delete', 'ok').map((c) => c.input.instance)).toEqual(['demo-worker-1']);
    expect(w.fake.inventory().filter((r) => r.kind === 'instance')).toHaveLength(8);
  });

  it('a machine being deleted is waited out and created anew (next requestId generation)', async () => {
    const { w, cluster, p, ctx, spec } = await created();
    const m = cluster.state!.machines['demo-worker-0']!;
    const id = m.providerId!;
    w.fake.data.instances.get(id)!.goneAt = w.fake.clock.now() + 20_000; // a preemption under way
    const planned = p.machinePlan(spec).find((x) => x.name === 'demo-worker-0')!;
    const again = await p.ensureMachine(ctx, planned);
    expect(again.providerId).toBe(id);
    const inserts = w.fake.callsOf('instances:insert').filter((c) => c.input.instanceResource.name === 'demo-worker-0');
    expect(inserts).toHaveLength(3); // first create; same requestId (deduplicated, instance gone); next generation
    expect(new Set(inserts.map((c) => c.input.requestId)).size).toBe(2);
    expect(w.fake.inventory().filter((r) => r.kind === 'instance')).toHaveLength(9);
  });

  it('a failed insert (spot stockout) surfaces, and the re-run uses a new requestId', async () => {
    const spec = gcpSpec({
      name: 'stock',
      controlPlane: { count: 1, size: 'e2-medium' },
      etcd: { count: 0, size: 'e2-small' },
      workers: { count: 1, size: 'e2-standard-2', spot: true },
    });
    const w = selfManagedWorld(spec);
    w.fake.opFaults.push({
      op: 'instances:insert',
      code: 'ZONE_RESOURCE_POOL_EXHAUSTED',
      message: 'The zone does not have enough resources',
    });
    let cluster = MemoryCluster.create(spec);
    const p = w.provider();
    await p.preflight(stepContext(cluster, spec));
    await expect(runSteps(selfManagedSteps(p, spec), stepContext(cluster, spec))).rejects.toThrow(
      /ZONE_RESOURCE_POOL_EXHAUSTED/,
    );
    cluster = cluster.reopen();
    await runSteps(selfManagedSteps(w.provider(), spec), stepContext(cluster, spec));
    expectConverged(w, cluster);
    const failed = w.fake.callsOf('instances:insert')[0]!;
    const name = failed.input.instanceResource.name as string;
    const ids = w.fake
      .callsOf('instances:insert')
      .filter((c) => c.input.instanceResource.name === name)
      .map((c) => c.input.requestId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    await w.provider().destroy(stepContext(cluster, spec));
    expect(w.fake.inventory()).toEqual([]);
    expect(Object.keys(cluster.state!.resources)).toEqual([]);
  });

  it('a permission error is not retried and surfaces as is', async () => {
    const spec = gcpSpec({ name: 'perm' });
    const w = selfManagedWorld(spec);
    w.fake.failNth('networks:insert', 1, 'PERMISSION_DENIED', "Required 'compute.networks.create' permission");
    const cluster = MemoryCluster.create(spec);
    const p = w.provider();
    await p.preflight(stepContext(cluster, spec));
    await expect(runSteps(selfManagedSteps(p, spec), stepContext(cluster, spec))).rejects.toThrow(
      /compute\.networks\.create/,
    );
    expect(w.fake.callsOf('networks:insert')).toHaveLength(1);
  });

  it('refuses an instance of the same name that ksctl did not create', async () => {
    const spec = gcpSpec({
      name: 'clash',
      controlPlane: { count: 1, size: 'e2-medium' },
      etcd: { count: 0, size: 'e2-small' },
      workers: { count: 0, size: 'e2-small', spot: false },
    });
    const { w } = await created(spec);
    for (const i of w.fake.data.instances.values()) i.res.labels = { owner: 'someone-else' };
    const again = MemoryCluster.create(spec);
    await expect(runSteps(selfManagedSteps(w.provider(), spec), stepContext(again, spec))).rejects.toThrow(
      /not created by ksctl/,
    );
  });

  it('updates the operator rules when the operator address changed, and only those; a second run patches nothing', async () => {
    const { w, ctx, spec } = await created();
    const firewallStep = (p = w.provider()) => selfManagedSteps(p, spec).find((s) => s.id === 'infra/firewall')!;
    w.fake.operatorIp = '192.0.2.44'; // e.g. create resumed from another network
    await firewallStep().run(ctx);
    const patched = w.fake.callsOf('firewalls:patch', 'ok').map((c) => c.input);
    const operatorRules = firewallPlan(spec, ['x/32'])
      .filter((f) => f.source === 'operator')
      .map((f) => f.name);
    expect(patched.map((p) => p.firewall).sort()).toEqual([...operatorRules].sort());
    const inventory = [...w.fake.data.firewalls.values()].map((f) => f.res);
    for (const f of inventory.filter((x) => x.sourceRanges)) expect(f.sourceRanges).toEqual(['192.0.2.44/32']);
    for (const f of inventory.filter((x) => x.sourceTags)) expect(f.sourceRanges ?? []).toEqual([]);
    await firewallStep().run(ctx);
    expect(w.fake.callsOf('firewalls:patch')).toHaveLength(patched.length);
  });
});
