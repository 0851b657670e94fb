/**
 * One EC2 instance per planned machine. Found by its `ksctl.io/machine` tag first; otherwise launched
 * with a ClientToken derived from (cluster incarnation, machine, generation, request), so a lost RunInstances response
 * never makes a second instance. The host key is generated and stored before launch and pinned in
 * the returned Machine.
 */
import { ProviderError } from '../../errors.js';
import { incarnationOf } from '../common/incarnation.js';
import type { PlannedMachine } from '../types.js';
import type { Machine } from '../../state/types.js';
import type { InstanceCatalog } from './catalog.js';
import { allPages, type AwsCtx } from './context.js';
import { hasCode, isNotFound } from './errors.js';
import { recordedGroup } from './firewall.js';
import { instanceWatcher } from './instance-watch.js';
import { ensureKeyPair } from '../common/keys.js';
import { recordedNetwork } from './network.js';
import { clusterFilter, machineClientToken, tagsFor, TAG_MACHINE } from './naming.js';
import { ensureRecorded, forget, recorded } from '../common/record.js';
import type { Instance, InstanceTypeName, RunInstancesInput } from './sdk.js';
import { hostKeyUserData, toBase64 } from '../common/userdata.js';

export const instanceKey = (name: string) => `instance/${name}`;
export const hostKeySecret = (name: string) => `hostkeys/${name}`;
export const SSH_USER = 'ubuntu';

const LIVE = ['pending', 'running', 'stopping', 'stopped'];
const GONE = ['shutting-down', 'terminated'];
const START_TIMEOUT_MS = 10 * 60_000;
const MAX_GENERATIONS = 20;

/** Live instances carrying this machine's tag, oldest first. */
export async function findMachineInstances(cloud: AwsCtx, name: string, states = LIVE): Promise<Instance[]> {
  const list = await allPages(
    (NextToken) =>
      cloud.aws.ec2.describeInstances({
        Filters: [
          clusterFilter(cloud.spec),
          { Name: `tag:${TAG_MACHINE}`, Values: [name] },
          { Name: 'instance-state-name', Values: states },
        ],
        ...(NextToken ? { NextToken } : {}),
      }),
    (o) => o.Reservations?.flatMap((r) => r.Instances ?? []),
  );
  return list.sort((x, y) => (x.LaunchTime?.getTime() ?? 0) - (y.LaunchTime?.getTime() ?? 0));
}

async function launch(
  cloud: AwsCtx,
  catalog: InstanceCatalog,
  planned: PlannedMachine,
  hostKey: { privateKey: string; publicKey: string },
) {
  const { ec2 } = cloud.aws;
  const net = recordedNetwork(cloud);
  const subnet = net.subnets[planned.index % net.subnets.length]!;
  const keyName = recorded(cloud.ctx, 'keypair')?.name;
  if (!keyName) throw new ProviderError('no key pair in state: infra/sshkey must run first');
  const groupId = recordedGroup(cloud, planned.role);
  const arch = (await catalog.typeInfo(cloud, [planned.size])).get(planned.size)!.arch;
  const imageId = await catalog.ami(cloud, arch);
  const key = instanceKey(planned.name);
  const tags = tagsFor(cloud.spec, key, planned.role, planned.name, { [TAG_MACHINE]: planned.name });
  const bigDisk = planned.role === 'controlplane' || planned.role === 'worker';
  const incarnation = incarnationOf(cloud.ctx);
  for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
    const input: RunInstancesInput = {
      ImageId: imageId,
      InstanceType: planned.size as InstanceTypeName,
      MinCount: 1,
      MaxCount: 1,
      KeyName: keyName,
      SubnetId: subnet.id,
      SecurityGroupIds: [groupId],
      UserData: toBase64(hostKeyUserData(hostKey.privateKey, hostKey.publicKey)),
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/sda1',
          Ebs: { VolumeSize: bigDisk ? 30 : 16, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
        },
      ],
      ...(planned.spot
        ? {
            InstanceMarketOptions: {
              MarketType: 'spot',
              SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' },
            },
          }
        : {}),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
    };
    let out;
    try {
      out = await ec2.runInstances({
        ...input,
        ClientToken: machineClientToken(cloud.spec, incarnation, planned.name, generation, input),
      });
    } catch (e) {
      // The token already names a different request (state from before tokens hashed their
      // parameters, or a hash collision): no live instance carries this machine's tag (looked up
      // before launch), so the next generation's token is the way forward.
      if (hasCode(e, 'IdempotentParameterMismatch')) {
        cloud.log.debug(
          `${planned.name}: ClientToken of generation ${generation} names another request; trying the next`,
        );
        continue;
      }
      throw e;
    }
    const inst = out.Instances?.[0];
    if (!inst?.InstanceId) throw new ProviderError('RunInstances returned no instance');
    // The token's earlier instance was deleted (scale down, replacement): next generation.
    if (GONE.includes(inst.State?.Name ?? '')) continue;
    return inst;
  }
  throw new ProviderError(`could not launch ${planned.name}: every recent launch of it was terminated`);
}

/** Until the instance runs and has its addresses; polled together with every other instance starting. */
function waitRunning(cloud: AwsCtx, name: string, id: string): Promise<Instance> {
  return instanceWatcher(cloud.aws.ec2, cloud.runtime.clock).wait(id, {
    what: `${name} (${id}) to run`,
    done: (inst) => inst.State?.Name === 'running' && !!inst.PrivateIpAddress && !!inst.PublicIpAddress,
    // Not seen yet is no failure: a just-launched instance may not be visible for a while.
    failed: (inst) => {
      const state = inst?.State?.Name ?? '';
      return GONE.includes(state)
        ? new ProviderError(`${name} (${id}) stopped while starting: ${inst?.StateReason?.Message ?? state}`)
        : undefined;
    },
    timeoutMs: START_TIMEOUT_MS,
    signal: cloud.ctx.signal,
    log: cloud.log,
  });
}

export async function ensureMachine(
  cloud: AwsCtx,
  catalog: InstanceCatalog,
  planned: PlannedMachine,
): Promise<Machine> {
  const key = instanceKey(planned.name);
  const hostKey = await ensureKeyPair(cloud.ctx.cluster.secrets, hostKeySecret(planned.name));
  const found = await findMachineInstances(cloud, planned.name);
  if (found.length > 1)
    cloud.log.warn(`${planned.name}: ${found.length} instances carry its tag; using ${found[0]!.InstanceId}`);
  let inst = found[0];
  if (inst && (inst.State?.Name === 'stopping' || inst.State?.Name === 'stopped')) {
    throw new ProviderError(`${planned.name} (${inst.InstanceId}) is stopped`, {
      hint: 'start it in the console or delete the machine',
    });
  }
  if (!inst) {
    cloud.log.info(`launching ${planned.name} (${planned.size}${planned.spot ? ', spot' : ''})`);
    inst = await launch(cloud, catalog, planned, hostKey);
  }
  const id = inst.InstanceId!;
  await ensureRecorded(cloud.ctx, key, { kind: 'aws:instance', id, name: planned.name, role: planned.role });
  if (inst.State?.Name !== 'running' || !inst.PublicIpAddress) inst = await waitRunning(cloud, planned.name, id);
  const machine: Machine = {
    name: planned.name,
    role: planned.role,
    ...(planned.pool ? { pool: planned.pool } : {}),
    sshPort: 22,
    sshUser: SSH_USER,
    hostKeys: [hostKey.publicKey],
    providerId: id,
    // cloud-provider-aws's form; without a zone it reads the bare `aws:///<instance>` too.
    nodeProviderId: `aws:///${inst.Placement?.AvailabilityZone ? `${inst.Placement.AvailabilityZone}/` : ''}${id}`,
    size: inst.InstanceType ?? planned.size,
    spot: inst.InstanceLifecycle === 'spot',
    status: 'running',
    ...(inst.PublicIpAddress ? { publicAddress: inst.PublicIpAddress } : {}),
    ...(inst.PrivateIpAddress ? { privateAddress: inst.PrivateIpAddress } : {}),
    ...(inst.Placement?.AvailabilityZone ? { zone: inst.Placement.AvailabilityZone } : {}),
  };
  const prev = cloud.ctx.cluster.state?.machines[planned.name];
  // A machine already bootstrapped stays so; only its facts are refreshed.
  if (prev?.status === 'bootstrapped' && prev.providerId === id) machine.status = 'bootstrapped';
  if (JSON.stringify(prev) !== JSON.stringify(machine)) {
    await cloud.ctx.cluster.update((s) => {
      s.machines[planned.name] = machine;
    });
  }
  await ensureRecorded(cloud.ctx, key, {
    kind: 'aws:instance',
    id,
    name: planned.name,
    role: planned.role,
    status: 'running',
  });
  return machine;
}

/** Terminates the ids given (individually when the batch names one that is gone) and returns. */
export async function terminate(cloud: AwsCtx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await cloud.aws.ec2.terminateInstances({ InstanceIds: ids });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    if (ids.length === 1) return;
    for (const id of ids) await terminate(cloud, [id]);
  }
}

/** Waits until none of `ids` is alive (terminated or not found). */
export async function waitTerminated(cloud: AwsCtx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await cloud.wait(
    `${ids.length} instance(s) to terminate`,
    async () => {
      const alive = await Promise.all(
        ids.map(async (id) => {
          try {
            const i = (await cloud.aws.ec2.describeInstances({ InstanceIds: [id] })).Reservations?.[0]?.Instances?.[0];
            return i && i.State?.Name !== 'terminated';
          } catch (e) {
            if (isNotFound(e)) return false;
            throw e;
          }
        }),
      );
      return alive.some(Boolean) ? undefined : true;
    },
    { timeoutMs: 10 * 60_000, initialIntervalMs: 3000, maxIntervalMs: 15000 },
  );
}

export async function deleteMachine(cloud: AwsCtx, machine: Machine): Promise<void> {
  const key = instanceKey(machine.name);
  const ids = new Set<string>();
  if (machine.providerId) ids.add(machine.providerId);
  const rec = recorded(cloud.ctx, key);
  if (rec) ids.add(rec.id);
  for (const i of await findMachineInstances(cloud, machine.name, [...LIVE, 'shutting-down'])) ids.add(i.InstanceId!);
  const alive = await liveIds(cloud, [...ids]);
  cloud.log.info(`terminating ${machine.name}${alive.length ? ` (${alive.join(', ')})` : ''}`);
  await terminate(cloud, alive);
  await waitTerminated(cloud, [...ids]);
  await forget(cloud.ctx, key);
}

/** Of `ids`, those not already shutting down or terminated. */
export async function liveIds(cloud: AwsCtx, ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    let insts: Instance[];
    try {
      insts = await allPages(
        (NextToken) => cloud.aws.ec2.describeInstances({ InstanceIds: batch, ...(NextToken ? { NextToken } : {}) }),
        (o) => o.Reservations?.flatMap((r) => r.Instances ?? []),
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
      if (batch.length > 1) for (const id of batch) out.push(...(await liveIds(cloud, [id])));
      continue;
    }
    out.push(...insts.filter((x) => LIVE.includes(x.State?.Name ?? '')).map((x) => x.InstanceId!));
  }
  return out;
}
