/**
 * `create cluster --dry-run` of a self-managed cluster prints what every step would run on every
 * machine, for each provider: the scripts the steps' own `describe()` builds (the code their `run()`
 * uses), with the addresses and CA hash a cloud only knows later named instead of invented, and no
 * secret value (secret environment is listed by name only). Nothing is written.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ksctl, sandbox, type Sandbox } from '../helpers/cli.js';

let sb: Sandbox;
beforeAll(() => {
  sb = sandbox();
});
afterAll(() => sb.cleanup());

interface ShownStep {
  id: string;
  details?: { scripts?: { machine: string; name: string; body: string; secretEnv?: string[] }[] };
}

function sshClusterFile(distribution: string): string {
  const key = path.join(sb.dir, 'id_ed25519');
  if (!existsSync(key))
    writeFileSync(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
  const m = (name: string, role: string, address: string) =>
    `    - ${JSON.stringify({ name, role, address, user: 'root', keyFile: key })}\n`;
  const file = path.join(sb.dir, `lab-${distribution}.yaml`);
  writeFileSync(
    file,
    'apiVersion: ksctl.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: lab\nspec:\n  provider: ssh\n' +
      `  distribution: ${distribution}\n  controlPlane: {count: 2}\n  etcd: {count: 3}\n  machines:\n` +
      m('lb', 'loadbalancer', '192.0.2.1') +
      [5, 6, 7].map((i) => m(`etcd-${i - 5}`, 'etcd', `192.0.2.${i}`)).join('') +
      m('cp-0', 'controlplane', '192.0.2.10') +
      m('cp-1', 'controlplane', '192.0.2.11') +
      m('w-0', 'worker', '192.0.2.20'),
  );
  return file;
}

const CASES = [
  {
    name: 'aws k3s',
    args: () => ['create', 'cluster', 'demo', '-p', 'aws', '-t', 'selfmanaged', '--distribution', 'k3s'],
    private: '<demo-controlplane-0 private address>',
  },
  {
    name: 'azure kubeadm',
    args: () => ['create', 'cluster', 'demo', '-p', 'azure', '-t', 'selfmanaged', '--distribution', 'kubeadm'],
    private: '<demo-controlplane-0 private address>',
  },
  {
    name: 'gcp k3s',
    args: () => ['create', 'cluster', 'demo', '-p', 'gcp', '-t', 'selfmanaged', '--distribution', 'k3s'],
    private: '<demo-controlplane-0 private address>',
  },
  { name: 'ssh kubeadm', args: () => ['create', 'cluster', '-f', sshClusterFile('kubeadm')], private: '192.0.2.10' },
  { name: 'ssh k3s', args: () => ['create', 'cluster', '-f', sshClusterFile('k3s')], private: '192.0.2.10' },
] as const;

/** Steps of these kinds run scripts on machines; the others (machines, secrets, PKI, kubeconfig, infra) do not. */
const SCRIPTED = /^(preflight\/hosts|lb\/|etcd\/|controlplane\/|worker\/)/;

describe.each(CASES)('--dry-run of a self-managed cluster ($name)', (c) => {
  it('shows every scripted step with its scripts, stand-ins named, no secret value, nothing written', async () => {
    const json = await ksctl([...c.args(), '--dry-run', '-o', 'json'], sb.env);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as { steps: { parallel: ShownStep[] }[] };
    const steps = out.steps.flatMap((w) => w.parallel);
    const scripted = steps.filter((s) => SCRIPTED.test(s.id));
    expect(scripted.length).toBeGreaterThan(5);
    for (const s of scripted) {
      expect(s.details?.scripts?.length, s.id).toBeGreaterThan(0);
      for (const x of s.details!.scripts!) expect(x.body, `${s.id} ${x.name}`).toMatch(/^#!\/usr\/bin\/env bash\n/);
    }
    for (const s of steps.filter((x) => !SCRIPTED.test(x.id))) expect(s.details?.scripts, s.id).toBeUndefined();
    // Control plane 0's init runs where the plan puts it, and the load balancer forwards afterwards.
    const init = steps.find(
      (s) =>
        s.id.startsWith('controlplane/') &&
        s.details?.scripts?.some((x) => x.name.endsWith('-init') || x.name === 'kubeadm-init'),
    )!;
    expect(init.details!.scripts!.map((x) => x.machine).at(-1)).toMatch(/lb|loadbalancer/);
    expect(json.stdout).toContain(c.private);
    // Joins name the token as secret environment and never carry a value.
    const joins = steps.filter((s) => /^(worker|controlplane)\//.test(s.id)).flatMap((s) => s.details!.scripts!);
    expect(joins.some((x) => (x.secretEnv ?? []).length > 0)).toBe(true);
    // No stand-in leaks as if it were real.
    expect(json.stdout).not.toMatch(/\b24[01]\.\d+\.\d+\.\d+\b|ksctl-plan:\/\/|(ca5e){16}/);
    expect(existsSync(path.join(sb.ksctlHome, 'clusters'))).toBe(false);

    const text = await ksctl([...c.args(), '--dry-run'], sb.env);
    expect(text.code, text.stderr).toBe(0);
    for (const s of scripted)
      for (const x of s.details!.scripts!) expect(text.stdout).toContain(`--- ${s.id}: ${x.name} on ${x.machine}`);
    expect(text.stdout).toMatch(/env (K3S_TOKEN|KUBEADM_TOKEN)=<secret>/);
  });
});
