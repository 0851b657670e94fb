/**
 * Every cloud-init user-data document ksctl sends (AWS RunInstances UserData, Azure osProfile.customData,
 * GCE `user-data` metadata; every role, spot workers included), taken from the requests of a real
 * self-managed create against each fake cloud, passes the real `cloud-init schema` (Debian's cloud-init).
 * On GCE the guest agent must be told to keep the host key cloud-init installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROLES, type ClusterSpec, type Role } from '../../src/api/types.js';
import { hostKeyUserData } from '../../src/cloud/common/userdata.js';
import { GUEST_AGENT_CONFIG } from '../../src/cloud/gcp/userdata.js';
import { runSteps, selfManagedSteps } from '../contract/run-steps.js';
import { MemoryCluster, stepContext } from '../fakes/memory-cluster.js';
import * as aws from '../fakes/aws/world.js';
import * as azure from '../fakes/azure/world.js';
import * as gcp from '../fakes/gcp/world.js';
import type { SelfManagedCloud } from '../../src/cloud/types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ksctl-userdata-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `cloud-init schema --config-file` on a document: exit code and output. */
function schema(doc: string, name: string): Promise<{ code: number | null; out: string }> {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, doc, { mode: 0o600 });
  return new Promise((resolve) => {
    const p = spawn('cloud-init', ['schema', '--config-file', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

interface Sent {
  role: Role;
  name: string;
  userData: string;
}

async function create(p: SelfManagedCloud, spec: ClusterSpec) {
  const ctx = stepContext(MemoryCluster.create(spec), spec);
  await p.preflight(ctx);
  await runSteps(selfManagedSteps(p, spec), ctx);
}

const roleOf = (name: string): Role => ROLES.find((r) => name.includes(`-${r}-`))!;
const spot = { workers: { count: 2, spot: true } };

const CLOUDS: [string, () => Promise<Sent[]>][] = [
  [
    'aws',
    async () => {
      const spec = aws.awsSpec({ workers: { ...spot.workers, size: 't3.large' } });
      const w = aws.selfManagedWorld(spec);
      await create(w.provider(), spec);
      return w.fake.callsOf('ec2:RunInstances', 'ok').map((c) => {
        const input = c.input as { UserData: string; TagSpecifications: { Tags: { Key: string; Value: string }[] }[] };
        const name = input.TagSpecifications[0]!.Tags.find((t) => t.Key === 'Name')!.Value;
        return { role: roleOf(name), name, userData: Buffer.from(input.UserData, 'base64').toString('utf8') };
      });
    },
  ],
  [
    'azure',
    async () => {
      const spec = azure.azureSpec({ workers: { ...spot.workers, size: 'Standard_B2ms' } });
      const w = azure.selfManagedWorld(spec);
      await create(w.provider(), spec);
      return [...w.fake.model.resources.values()]
        .filter((r) => r.type.endsWith('/virtualMachines'))
        .map((r) => ({
          role: roleOf(r.name),
          name: r.name,
          userData: Buffer.from(
            String((r.properties as { osProfile: { customData: string } }).osProfile.customData),
            'base64',
          ).toString('utf8'),
        }));
    },
  ],
  [
    'gcp',
    async () => {
      const spec = gcp.gcpSpec({ workers: { ...spot.workers, size: 'e2-standard-2' } });
      const w = gcp.selfManagedWorld(spec);
      await create(w.provider(), spec);
      return w.fake.callsOf('instances:insert', 'ok').map((c) => {
        const r = (
          c.input as { instanceResource: { name: string; metadata: { items: { key: string; value: string }[] } } }
        ).instanceResource;
        return {
          role: roleOf(r.name),
          name: r.name,
          userData: r.metadata.items.find((i) => i.key === 'user-data')!.value,
        };
      });
    },
  ],
];

const haveCloudInit = spawnSync('cloud-init', ['--version']).status === 0;

describe('cloud-init user data passes the real `cloud-init schema`', () => {
  it('the validator bites: an empty ssh_genkeytypes (what ksctl used to send) is refused', async () => {
    expect(haveCloudInit, 'cloud-init is missing: run scripts/install-test-deps.sh').toBe(true);
    const doc = hostKeyUserData(
      '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----',
      'ssh-ed25519 AAAAx',
    ).replace('ssh_keys:', 'ssh_genkeytypes: []\nssh_keys:');
    const r = await schema(doc, 'bites');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('ssh_genkeytypes: [] is too short');
  });

  it.each(CLOUDS)(
    '%s: every VM of every role',
    async (cloud, sent) => {
      const docs = await sent();
      expect(new Set(docs.map((d) => d.role))).toEqual(new Set(ROLES));
      const results = await Promise.all(docs.map((d) => schema(d.userData, `${cloud}-${d.name}`)));
      results.forEach((r, i) => {
        expect(r.code, `${cloud} ${docs[i]!.name}: ${r.out}`).toBe(0);
        expect(r.out).toContain('Valid cloud-config');
      });
      for (const d of docs) {
        const cfg = parse(d.userData, { version: '1.1' }) as Record<string, unknown>;
        expect(cfg).not.toHaveProperty('ssh_genkeytypes'); // ssh_keys given: cloud-init generates none
        expect(cfg['ssh_deletekeys']).toBe(true);
        expect(Object.keys(cfg['ssh_keys'] as object)).toEqual(['ed25519_private', 'ed25519_public']);
        const files = (cfg['write_files'] ?? []) as { path: string }[];
        expect(files.map((f) => f.path)).toEqual(cloud === 'gcp' ? ['/etc/default/instance_configs.cfg'] : []);
      }
    },
    120_000,
  );

  it("gcp: the guest agent keeps the pinned key (set_host_keys = false, appended after the image's own settings)", async () => {
    const [, sent] = CLOUDS.find(([c]) => c === 'gcp')!;
    const docs = await sent();
    for (const d of docs) {
      const cfg = parse(d.userData, { version: '1.1' }) as { write_files: Record<string, unknown>[] };
      expect(cfg.write_files).toEqual([
        {
          path: '/etc/default/instance_configs.cfg',
          permissions: '0644',
          owner: 'root:root',
          append: true,
          content: GUEST_AGENT_CONFIG.content,
        },
      ]);
    }
    // What the agent then reads: an image that enables key regeneration, with ksctl's lines appended.
    // Python's configparser (duplicate sections merged, the last value wins, as go-ini does) reads it.
    const image =
      '[InstanceSetup]\nset_host_keys = true\nhost_key_types = ecdsa,ed25519,rsa\n\n[Accounts]\nreuse_homedir = false\n';
    const file = path.join(dir, 'instance_configs.cfg');
    writeFileSync(file, image + GUEST_AGENT_CONFIG.content);
    const py = spawnSync(
      'python3',
      [
        '-c',
        [
          'import configparser, sys',
          'c = configparser.ConfigParser(strict=False)',
          'c.read(sys.argv[1])',
          'print(c.getboolean("InstanceSetup", "set_host_keys"), c.get("InstanceSetup", "host_key_types"), c.get("Accounts", "reuse_homedir"))',
        ].join('\n'),
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(py.stdout.trim(), py.stderr).toBe('False ecdsa,ed25519,rsa false');
  });
});
