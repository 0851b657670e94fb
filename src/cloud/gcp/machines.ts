/**
 * One Compute Engine instance per planned machine, in a deterministic zone of the region. Found by
 * name first; otherwise inserted with a `requestId` derived from (cluster, machine, generation), so
 * a lost insert response never makes a second instance. The host key is generated and stored before
 * the insert, installed by cloud-init from the `user-data` metadata item, and pinned in the Machine.
 */
import { randomUUID } from 'node:crypto';
import { incarnationOf } from '../common/incarnation.js';
import { ConflictError, ProviderError } from '../../errors.js';
import type { Machine } from '../../state/types.js';
import { ensureKeyPair } from '../common/keys.js';
import { ensureRecorded, forget, record, recorded } from '../common/record.js';
import { gcpUserData } from './userdata.js';
import type { PlannedMachine } from '../types.js';
import type { GcpCtx } from './context.js';
import { instanceWatcher } from './instance-watch.js';
import {
  clusterFilter,
  clusterLabel,
  instanceName,
  LABEL_CLUSTER,
  LABEL_MACHINE,
  labelsFor,
  requestId,
  roleTag,
} from './naming.js';
import { recordedZones, requireSubnet } from './network.js';
import { deleteAndWait, getOrUndefined, lastSegment, waitOperation } from './operations.js';
import type { Instance } from './sdk.js';

export const instanceKey = (name: string) => `instance/${name}`;
export const hostKeySecret = (name: string) => `hostkeys/${name}`;
export const SSH_KEY_SECRET = 'ssh/id_ed25519';
export const SSH_USER = 'ubuntu';

const START_TIMEOUT_MS = 10 * 60_000;
const MAX_GENERATIONS = 20;
const DEAD = ['TERMINATED', 'STOPPED', 'SUSPENDED', 'SUSPENDING'];

export const instanceId = (zone: string, name: string) => `zones/${zone}/instances/${name}`;
export function parseInstanceId(id: string): { zone: string; name: string } | undefined {
  const m = /zones\/([^/]+)\/instances\/([^/]+)$/.exec(id);
  return m ? { zone: m[1]!, name: m[2]! } : undefined;
}

const natIp = (i: Instance) => i.networkInterfaces?.[0]?.accessConfigs?.[0]?.natIP ?? undefined;
const privateIp = (i: Instance) => i.networkInterfaces?.[0]?.networkIP ?? undefined;

export function instanceResource(
  cloud: GcpCtx,
  planned: PlannedMachine,
  zone: string,
  image: string,
  userPublicKey: string,
  hostKey: { privateKey: string; publicKey: string },
): Instance {
  const name = instanceName(planned.name);
  const labels = labelsFor(cloud.spec, instanceKey(planned.name), planned.role, { [LABEL_MACHINE]: planned.name });
  const bigDisk = planned.role === 'controlplane' || planned.role === 'worker';
  return {
    name,
    machineType: `zones/${zone}/machineTypes/${planned.size}`,
    labels,
    tags: { items: [roleTag(cloud.spec, planned.role)] },
    disks: [
      {
        boot: true,
        autoDelete: true,
        initializeParams: {
          sourceImage: image,
          diskSizeGb: bigDisk ? 30 : 16,
          diskType: `zones/${zone}/diskTypes/pd-balanced`,
          labels,
        },
      },
    ],
    networkInterfaces: [
      { subnetwork: requireSubnet(cloud), accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] },
    ],
    metadata: {
      items: [
        { key: 'ssh-keys', value: `${SSH_USER}:${userPublicKey} ksctl` },
        { key: 'block-project-ssh-keys', value: 'true' },
        { key: 'user-data', value: gcpUserData(hostKey.privateKey, hostKey.publicKey) },
      ],
    },
    scheduling: planned.spot
      ? {
          provisioningModel: 'SPOT',
          instanceTerminationAction: 'DELETE',
          automaticRestart: false,
          onHostMaintenance: 'TERMINATE',
        }
      : { provisioningModel: 'STANDARD', automaticRestart: true, onHostMaintenance: 'MIGRATE' },
    shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
  };
}

/** The zone a machine lives in: where state says, else the planned spread over the usable zones. */
export function zoneOf(cloud: GcpCtx, planned: Pick<PlannedMachine, 'name' | 'index'>, zones: string[]): string {
  const rec = recorded(cloud.ctx, instanceKey(planned.name));
  return (rec && parseInstanceId(rec.id)?.zone) || zones[planned.index % zones.length]!;
}

/** Until RUNNING with both addresses, through the cluster's shared watcher (instance-watch.ts). */
function waitRunning(cloud: GcpCtx, zone: string, name: string): Promise<Instance> {
  return instanceWatcher(cloud.api.gce, cloud.runtime.clock, clusterFilter(cloud.spec)).wait(zone, name, {
    what: `${name} to run`,
    done: (i) => i.status === 'RUNNING' && !!natIp(i) && !!privateIp(i),
    failed: (i) => {
      if (!i)
        return new ProviderError(`${name} disappeared while starting (deleted, or a spot VM preempted)`, {
          hint: 're-run to create it again',
        });
      if (DEAD.includes(String(i.status)) || i.status === 'STOPPING')
        return new ProviderError(`${name} stopped while starting (${i.status})`);
      return undefined;
    },
    timeoutMs: START_TIMEOUT_MS,
    signal: cloud.ctx.signal,
    log: cloud.log,
  });
}

export async function ensureMachine(
  cloud: GcpCtx,
  planned: PlannedMachine,
  zones: string[],
  image: () => Promise<string>,
): Promise<Machine> {
  const { gce } = cloud.api;
  const name = instanceName(planned.name);
  const zone = zoneOf(cloud, planned, zones);
  const hostKey = await ensureKeyPair(cloud.ctx.cluster.secrets, hostKeySecret(planned.name));
  let inst = await getOrUndefined(() => gce.getInstance(zone, name));
  if (inst && inst.labels?.[LABEL_CLUSTER] !== clusterLabel(cloud.spec)) {
    throw new ConflictError(`instance ${name} in ${zone} exists but was not created by ksctl for ${cloud.key}`);
  }
  if (inst?.status === 'STOPPING') {
    // Being deleted (a delete or a spot preemption in progress): let it go, then create it anew.
    cloud.log.info(`${name} is being deleted; waiting to create it again`);
    await cloud.wait(
      `${name} to be deleted`,
      async () => ((await getOrUndefined(() => gce.getInstance(zone, name))) ? undefined : true),
      {
        timeoutMs: START_TIMEOUT_MS,
        initialIntervalMs: 3000,
        maxIntervalMs: 10_000,
      },
    );
    inst = undefined;
  }
  if (inst && DEAD.includes(String(inst.status))) {
    throw new ProviderError(`${name} (${zone}) is ${inst.status}`, {
      hint: 'start it in the console, or delete the machine',
    });
  }
  if (!inst) {
    const user = await ensureKeyPair(cloud.ctx.cluster.secrets, SSH_KEY_SECRET);
    const resource = instanceResource(cloud, planned, zone, await image(), user.publicKey, hostKey);
    cloud.log.info(`creating ${name} in ${zone} (${planned.size}${planned.spot ? ', spot' : ''})`);
    // GCP answers a repeated requestId with the first operation, failed ones included: after a
    // failed insert (a spot stockout) the next attempt, in this process or the next, uses a new
    // generation, remembered in state.
    const first = Number(recorded(cloud.ctx, instanceKey(planned.name))?.data?.generation ?? 0);
    for (let generation = first; !inst && generation < first + MAX_GENERATIONS; generation++) {
      const op = await gce.insertInstance(
        zone,
        resource,
        requestId(cloud.spec, incarnationOf(cloud.ctx), `instance/${name}`, resource, generation),
      );
      try {
        await waitOperation(cloud, op, `create instance ${name}`);
      } catch (e) {
        if (!(e as { gcpCode?: string }).gcpCode || (await getOrUndefined(() => gce.getInstance(zone, name)))) throw e;
        await record(cloud.ctx, instanceKey(planned.name), {
          kind: 'gcp:instance',
          id: instanceId(zone, name),
          name,
          role: planned.role,
          status: 'failed',
          data: { generation: generation + 1 },
        });
        throw e;
      }
      // A deduplicated request of an instance deleted since (scale down, replacement): next generation.
      inst = await getOrUndefined(() => gce.getInstance(zone, name));
    }
    if (!inst) throw new ProviderError(`could not create ${name}: every recent insert of it was deleted`);
  }
  const id = instanceId(zone, name);
  await ensureRecorded(cloud.ctx, instanceKey(planned.name), { kind: 'gcp:instance', id, name, role: planned.role });
  if (inst.status !== 'RUNNING' || !natIp(inst) || !privateIp(inst)) inst = await waitRunning(cloud, zone, name);
  const machine: Machine = {
    name: planned.name,
    role: planned.role,
    ...(planned.pool ? { pool: planned.pool } : {}),
    sshPort: 22,
    sshUser: SSH_USER,
    hostKeys: [hostKey.publicKey],
    providerId: id,
    nodeProviderId: `gce://${cloud.project}/${zone}/${name}`,
    size: lastSegment(inst.machineType) || planned.size,
    spot: inst.scheduling?.provisioningModel === 'SPOT',
    status: 'running',
    zone,
    ...(natIp(inst) ? { publicAddress: natIp(inst)! } : {}),
    ...(privateIp(inst) ? { privateAddress: privateIp(inst)! } : {}),
  };
  const prev = cloud.ctx.cluster.state?.machines[planned.name];
  if (prev?.status === 'bootstrapped' && prev.providerId === id) machine.status = 'bootstrapped';
  if (JSON.stringify(prev) !== JSON.stringify(machine)) {
    await cloud.ctx.cluster.update((s) => {
      s.machines[planned.name] = machine;
    });
  }
  await ensureRecorded(cloud.ctx, instanceKey(planned.name), {
    kind: 'gcp:instance',
    id,
    name,
    role: planned.role,
    status: 'running',
  });
  return machine;
}

/** Deletes one instance by id (`zones/<z>/instances/<n>`); not found is done. */
export async function deleteInstance(cloud: GcpCtx, id: string): Promise<void> {
  const where = parseInstanceId(id);
  if (!where) return;
  await deleteAndWait(cloud, `instance ${where.name}`, () =>
    cloud.api.gce.deleteInstance(where.zone, where.name, randomUUID()),
  );
}

/**
 * Deletes the machine's instance (its boot disk goes with it: autoDelete) and forgets its record.
 * Found by state; a machine whose insert was never recorded (a crash right after it) by its name in
 * each zone machines go to, when it carries this cluster's label.
 */
export async function deleteMachine(cloud: GcpCtx, machine: Machine): Promise<void> {
  const ids = new Set<string>();
  if (machine.providerId) ids.add(machine.providerId);
  const rec = recorded(cloud.ctx, instanceKey(machine.name));
  if (rec) ids.add(rec.id);
  if (ids.size === 0) {
    const name = instanceName(machine.name);
    for (const zone of recordedZones(cloud) ?? []) {
      const inst = await getOrUndefined(() => cloud.api.gce.getInstance(zone, name));
      if (inst?.labels?.[LABEL_CLUSTER] === clusterLabel(cloud.spec)) ids.add(instanceId(zone, name));
    }
  }
  cloud.log.info(`deleting ${machine.name}`);
  await Promise.all([...ids].map((id) => deleteInstance(cloud, id)));
  await forget(cloud.ctx, instanceKey(machine.name));
}
