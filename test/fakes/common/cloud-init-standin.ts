/**
 * cloud-init STAND-IN: what cloud-init does on the first boot of a real cloud VM (Ubuntu 24.04 image
 * on EC2, Azure or GCE), done instead on the SSH test host (test/hosts) that a fake cloud mapped the
 * VM onto (the fake gives the VM that host's address). Each fake calls it, through a small adapter
 * that says where its VM keeps the user data, the login user and its key, when the VM reaches
 * running, and answers no call until it has finished.
 *
 * Inside that host only (its own mount/uts/net/pid and cgroup namespaces, entered with nsenter through
 * the host's holder pid, like test/hosts/harness.ts `exec`; the restarted sshd is also moved into the
 * host's own cgroups, where host-init.sh started the first one, so the kubelets and containers started
 * over SSH see the cgroup paths they create, as on an ssh provider's host):
 *   - `write_files` (path, content, permissions, append), written first as cloud-init's init stage
 *     does (e.g. the GCE guest agent's instance_configs.cfg);
 *   - `ssh_keys` / `ssh_deletekeys` from the instance's #cloud-config user data: the host keys are
 *     replaced by the ed25519 key ksctl generated for this machine; sshd is restarted with it;
 *   - the login user (EC2: the AMI's `ubuntu`; Azure: osProfile.adminUsername; GCE: the `ssh-keys`
 *     metadata user) is created with passwordless sudo (/etc/sudoers.d/90-cloud-init-users, as
 *     cloud-init writes it) and the VM's SSH public key (EC2 key pair, Azure ssh.publicKeys, GCE
 *     ssh-keys) in its ~/.ssh/authorized_keys.
 * Nothing else of cloud-init (hostname, packages, runcmd, mounts; write_files' owner and encodings) is
 * modelled.
 *
 * In a ksctl subprocess (each fake's install.ts preload) it is enabled by $KSCTL_CLOUD_INIT_HOSTS: a
 * JSON object of `{ "<VM address>": <holder pid> }`.
 */
import { spawn } from 'node:child_process';
import { parse } from 'yaml';

export const CLOUD_INIT_HOSTS_ENV = 'KSCTL_CLOUD_INIT_HOSTS';

export interface CloudInitStandinOptions {
  /** Instance address (public or private) → holder pid of the SSH test host that plays it. */
  hosts: Record<string, number>;
  /** The AMI's default login user (Canonical's Ubuntu images: `ubuntu`). */
  defaultUser?: string;
  /** Called with what was done, for debugging. */
  log?: (line: string) => void;
}

/** One VM at first boot, as a fake cloud describes it to the stand-in. */
export interface BootingVm {
  /** The cloud's id for it, for messages. */
  id: string;
  /** Its addresses (public, private); the first that maps to a test host is used. */
  addresses: (string | undefined)[];
  /** The user data as text (decoded), if any. */
  userData: string | undefined;
  /** The login user; defaults to the image's `ubuntu`. */
  user?: string;
  /** The SSH public key cloud-init installs for that user. */
  authorizedKey: string | undefined;
}

interface CloudConfig {
  ssh_deletekeys?: boolean;
  ssh_keys?: Record<string, string>;
  write_files?: { path: string; content?: string; permissions?: string; append?: boolean }[];
}

function cloudConfigOf(text: string | undefined): CloudConfig {
  if (!text?.startsWith('#cloud-config')) return {};
  return (parse(text) as CloudConfig | null) ?? {};
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** The first-boot script, run as root inside the host. Idempotent (a second boot changes nothing). */
export function firstBootScript(cfg: CloudConfig, user: string, authorizedKey: string | undefined): string {
  const keys = cfg.ssh_keys ?? {};
  const lines = ['set -euo pipefail'];
  for (const f of cfg.write_files ?? []) {
    lines.push(
      `mkdir -p "$(dirname '${f.path}')"`,
      `echo ${b64(f.content ?? '')} | base64 -d ${f.append ? '>>' : '>'} '${f.path}'`,
      ...(f.permissions ? [`chmod ${f.permissions} '${f.path}'`] : []),
    );
  }
  if (keys.ed25519_private && keys.ed25519_public) {
    if (cfg.ssh_deletekeys) lines.push('rm -f /etc/ssh/ssh_host_*');
    lines.push(
      `echo ${b64(`${keys.ed25519_private.trim()}\n`)} | base64 -d > /etc/ssh/ssh_host_ed25519_key`,
      'chmod 0600 /etc/ssh/ssh_host_ed25519_key',
      `echo ${b64(`${keys.ed25519_public.trim()}\n`)} | base64 -d > /etc/ssh/ssh_host_ed25519_key.pub`,
      'chmod 0644 /etc/ssh/ssh_host_ed25519_key.pub',
    );
  }
  // Like the host's own accounts (test/hosts/host-init.sh): password "*" (none, not locked: sshd
  // runs without PAM and refuses locked accounts).
  lines.push(
    `id ${user} >/dev/null 2>&1 || useradd -m -s /bin/bash -p '*' ${user}`,
    'mkdir -p /etc/sudoers.d',
    `echo '${user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/90-cloud-init-users`,
    'chmod 0440 /etc/sudoers.d/90-cloud-init-users',
    `home=$(getent passwd ${user} | cut -d: -f6)`,
    `install -d -m 0700 -o ${user} -g ${user} "$home/.ssh"`,
  );
  if (authorizedKey) {
    lines.push(
      `echo ${b64(`${authorizedKey.trim()}\n`)} | base64 -d > "$home/.ssh/authorized_keys"`,
      `chown ${user}:${user} "$home/.ssh/authorized_keys"`,
      'chmod 0600 "$home/.ssh/authorized_keys"',
    );
  }
  // Restart sshd with the new host key (the test host's sshd, started by host-init.sh `boot`).
  lines.push(
    '/usr/sbin/sshd -t -f /etc/ssh/sshd_config',
    'if [ -s /run/sshd.pid ]; then',
    '  old=$(cat /run/sshd.pid)',
    '  kill "$old" 2>/dev/null || true',
    '  for i in $(seq 1 200); do kill -0 "$old" 2>/dev/null || break; sleep 0.01; done',
    'fi',
    'mkdir -p /run/sshd && chmod 0755 /run/sshd',
    // The host's root cgroup in each hierarchy (mounted by host-init.sh with the host's subtree as root).
    'for procs in /sys/fs/cgroup/*/cgroup.procs; do echo $$ > "$procs" 2>/dev/null || true; done',
    '/usr/sbin/sshd -f /etc/ssh/sshd_config -E /var/log/sshd.log',
    'for i in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null && exit 0; sleep 0.01; done',
    'echo "sshd did not come back" >&2; exit 1',
  );
  return `${lines.join('\n')}\n`;
}

function runInHost(holderPid: number, script: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'nsenter',
      [
        '-t',
        String(holderPid),
        '-m',
        '-u',
        '-n',
        '-p',
        '-C',
        '-r',
        '-w',
        '--',
        'env',
        '-i',
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'HOME=/root',
        'LANG=C.UTF-8',
        '/bin/bash',
        '--norc',
        '-s',
      ],
      // sshd daemonizes inside the host; its fds must not hold our pipes open.
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(script);
  });
}

/** The boot hook: VMs that map to no test host boot as plain fakes (nothing happens). */
export function cloudInitStandin(opts: CloudInitStandinOptions): (vm: BootingVm) => Promise<void> {
  return async (vm) => {
    const address = vm.addresses.find((a) => a !== undefined && opts.hosts[a] !== undefined);
    if (!address) return;
    const script = firstBootScript(
      cloudConfigOf(vm.userData),
      vm.user ?? opts.defaultUser ?? 'ubuntu',
      vm.authorizedKey,
    );
    const r = await runInHost(opts.hosts[address]!, script);
    if (r.code !== 0)
      throw new Error(
        `cloud-init stand-in: first boot of ${vm.id} on ${address} failed (${r.code}): ${r.stderr.trim()}`,
      );
    opts.log?.(`cloud-init stand-in: ${vm.id} booted on ${address}`);
  };
}

/** From $KSCTL_CLOUD_INIT_HOSTS, or undefined when unset. */
export function cloudInitStandinFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): ReturnType<typeof cloudInitStandin> | undefined {
  const raw = env[CLOUD_INIT_HOSTS_ENV];
  if (!raw) return undefined;
  return cloudInitStandin({ hosts: JSON.parse(raw) as Record<string, number> });
}
