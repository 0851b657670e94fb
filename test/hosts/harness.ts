// Test hosts: N real sshd machines, each a network namespace with its own hostname and its own
// /etc, /var, /usr/local, /root, /home (overlays), /run, /tmp (tmpfs). See README.md.
// Needs root. Process layout per host:
//   setpriv --pdeathsig KILL → nsenter --net → unshare --mount --uts --pid --kill-child  (root pid ns)
//     └─ host-init.sh (pid 1 of the host: the holder) ── sshd, daemons started over SSH, exec()s
// so a dying test process takes its hosts with it, and killing the holder kills the whole host.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { generateEd25519KeyPair } from '../../src/util/ssh-keys.js';
import { run, runOk, type ExecResult, type RunOptions } from './run.js';
import { IN_HOST_INIT, hostDir, leaseAddresses, macFor, netnsName, registerSet, script, vethName } from './layout.js';

export type { ExecResult } from './run.js';

export interface KeyPair {
  /** OpenSSH private key text. */
  private: string;
  /** "ssh-ed25519 AAAA..." */
  public: string;
}

export interface TestHost {
  /** Hostname inside the host, e.g. "ksh-ab12cd-0". */
  name: string;
  /** Network namespace name (ip netns). */
  netns: string;
  /** IPv4 address on the private bridge, reachable from the root namespace. */
  address: string;
  port: number;
  /** "root"; "ksctl" (sudo without password) and "ksctlpw" (sudo password "ksctl-sudo-pw") exist too. */
  user: string;
  /** Private key authorised for root, ksctl and ksctlpw. */
  privateKey: string;
  /** The sshd host key, "ssh-ed25519 AAAA...". */
  hostKeyPublic: string;
  /** "<address> <hostKeyPublic>", a ready known_hosts line. */
  knownHostsLine: string;
  /** Pid (root pid namespace) of the holder, pid 1 of the host. */
  holderPid: number;
  /** Runs `bash --norc -c cmd` as root inside the host (its mount, uts, net and pid namespaces). */
  exec(cmd: string, opts?: RunOptions): Promise<ExecResult>;
  /** Simulates power-off: kills every process of the host and empties /run and /tmp. */
  stop(): Promise<void>;
  /** Simulates boot: starts sshd (resolves once it accepts connections) and every enabled unit. */
  start(): Promise<void>;
}

export interface TestHostSet {
  id: string;
  hosts: TestHost[];
  /** Kills all hosts and removes namespaces, veths, leases and state. Safe to call twice. */
  teardown(): Promise<void>;
}

export interface StartHostsOptions {
  /** Hostname prefix; hostnames are "<prefix>-<setid>-<i>". Default "ksh". */
  prefix?: string;
  /** Pre-generated host key per host (index-aligned), as cloud-init would inject it. */
  hostKey?: KeyPair[];
  /** Client key pair to authorise instead of a freshly generated one. */
  clientKey?: KeyPair;
}

const READY_TIMEOUT_MS = 20_000;
const SSH_TIMEOUT_MS = 10_000;

/** ksctl's own generator: it rejects the 1-in-256 unparseable key ssh2 makes (sshd would not start). */
function ed25519(): KeyPair {
  const k = generateEd25519KeyPair();
  return { private: k.privateKey, public: k.publicKey };
}

/** Resolves once addr:port answers with an SSH banner. */
async function waitForSsh(address: string, port: number, timeoutMs = SSH_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect({ host: address, port });
      const done = (v: boolean): void => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(1000, () => done(false));
      sock.once('data', (b: Buffer) => done(b.toString('latin1').startsWith('SSH-')));
      sock.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd on ${address}:${port} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts the holder inside the host's netns and resolves with its pid once the host has booted. */
function spawnHolder(netns: string, dir: string): Promise<number> {
  const child = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      'nsenter',
      `--net=/run/netns/${netns}`,
      // Its own cgroup subtree as the root of a cgroup namespace (cgroup-enter.sh): kubelets run there.
      'bash',
      script('cgroup-enter.sh'),
      netns,
      'unshare',
      '--cgroup',
      '--mount',
      '--uts',
      '--pid',
      '--kill-child',
      '--propagation',
      'private',
      'bash',
      script('host-init.sh'),
      'init',
      dir,
    ],
    // KSH_REPO: the checkout, kept visible on the host even when it lives under /tmp or /root.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KSH_REPO: join(script('.'), '..', '..') } },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(`test host ${netns}: ${why}${err.trim() ? `\n${err.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no READY within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^READY (\d+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      // Detach: the host must not keep this process alive, and its exit is handled by cleanup.sh.
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      resolve(Number(m[1]));
    });
    child.on('error', (e) => fail(e.message));
    child.on('close', (code, signal) => fail(`init exited (${code ?? signal}) before READY`));
  });
}

function nsenterArgs(holderPid: number): string[] {
  return ['-t', String(holderPid), '-m', '-u', '-n', '-p', '-r', '-w', '--'];
}

/** A clean login-like environment, so nothing of the test process (PATH, npm vars) leaks in. */
const HOST_ENV = [
  'env',
  '-i',
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'HOME=/root',
  'USER=root',
  'LOGNAME=root',
  'LANG=C.UTF-8',
  'TERM=dumb',
];

interface HostPlan {
  index: number;
  name: string;
  netns: string;
  address: string;
  hostKey: KeyPair;
}

async function startHost(setId: string, plan: HostPlan, client: KeyPair, hostsFile: string): Promise<TestHost> {
  const dir = hostDir(setId, plan.netns);
  const input = join(dir, 'in');
  mkdirSync(input, { recursive: true });
  mkdirSync(join(dir, 'mnt'));
  writeFileSync(join(input, 'hostname'), `${plan.name}\n`);
  writeFileSync(join(input, 'hosts'), hostsFile);
  writeFileSync(join(input, 'ssh_host_ed25519_key'), `${plan.hostKey.private.trim()}\n`, { mode: 0o600 });
  writeFileSync(join(input, 'ssh_host_ed25519_key.pub'), `${plan.hostKey.public}\n`);
  writeFileSync(join(input, 'authorized_keys'), `${client.public}\n`);

  await runOk('bash', [
    script('net.sh'),
    'up',
    plan.netns,
    vethName(setId, plan.index),
    plan.address,
    macFor(plan.address),
  ]);
  const holderPid = await spawnHolder(plan.netns, dir);
  await waitForSsh(plan.address, 22);

  const exec = (cmd: string, opts?: RunOptions): Promise<ExecResult> =>
    run('nsenter', [...nsenterArgs(holderPid), ...HOST_ENV, '/bin/bash', '--norc', '-c', cmd], opts);
  const inHost = async (what: string): Promise<void> => {
    // exec: halt kills every process but itself and pid 1, so no wrapper shell may sit in between.
    const r = await exec(`exec bash ${IN_HOST_INIT} ${what}`);
    if (r.code !== 0) throw new Error(`test host ${plan.name}: ${what} failed (${r.code}): ${r.stderr.trim()}`);
  };
  return {
    name: plan.name,
    netns: plan.netns,
    address: plan.address,
    port: 22,
    user: 'root',
    privateKey: client.private,
    hostKeyPublic: plan.hostKey.public,
    knownHostsLine: `${plan.address} ${plan.hostKey.public}`,
    holderPid,
    exec,
    stop: () => inHost('halt'),
    start: async () => {
      await inHost('boot');
      await waitForSsh(plan.address, 22);
    },
  };
}

/** Sets started by this process and not yet torn down. */
const liveSets = new Set<string>();

/** Last resort for a test file that never calls teardown (exit handlers must be synchronous). */
function cleanupOnExit(): void {
  for (const id of liveSets) {
    try {
      execFileSync('bash', [script('cleanup.sh'), '--set', id], { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // nothing more can be done while exiting; the next startHosts sweeps stale sets
    }
  }
  liveSets.clear();
}

export async function startHosts(n: number, opts: StartHostsOptions = {}): Promise<TestHostSet> {
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new Error(`startHosts: n must be 1..200, got ${n}`);
  if (process.getuid?.() !== 0) throw new Error('startHosts: test hosts need root (network namespaces, mounts)');
  if (opts.hostKey && opts.hostKey.length < n)
    throw new Error(`startHosts: hostKey has ${opts.hostKey.length} entries for ${n} hosts`);
  const prefix = opts.prefix ?? 'ksh';
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(prefix))
    throw new Error(`startHosts: prefix "${prefix}" is not a valid hostname prefix`);

  // Leftovers of crashed runs first (owner process dead), so their addresses become free again.
  await runOk('bash', [script('cleanup.sh'), '--stale']);
  await runOk('bash', [script('net.sh'), 'bridge']);

  const setId = registerSet();
  liveSets.add(setId);
  if (!process.listeners('exit').includes(cleanupOnExit)) process.on('exit', cleanupOnExit);
  const teardown = async (): Promise<void> => {
    if (!liveSets.delete(setId)) return;
    await runOk('bash', [script('cleanup.sh'), '--set', setId], { timeoutMs: 60_000 });
  };

  try {
    const addresses = leaseAddresses(setId, n);
    const plans: HostPlan[] = addresses.map((address, index) => ({
      index,
      name: `${prefix}-${setId}-${index}`,
      netns: netnsName(setId, index),
      address,
      hostKey: opts.hostKey?.[index] ?? ed25519(),
    }));
    const client = opts.clientKey ?? ed25519();
    // Every host can resolve every other host of its set by name, like a cloud VPC's DNS.
    const hostsFile =
      [
        '127.0.0.1 localhost',
        '::1 localhost ip6-localhost ip6-loopback',
        ...plans.map((p) => `${p.address} ${p.name}`),
      ].join('\n') + '\n';
    // allSettled, not all: tearing down while a sibling is still creating its netns could leak it.
    const settled = await Promise.allSettled(plans.map((p) => startHost(setId, p, client, hostsFile)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const hosts = settled.map((r) => (r as PromiseFulfilledResult<TestHost>).value);
    return { id: setId, hosts, teardown };
  } catch (e) {
    await teardown().catch(() => undefined);
    throw e;
  }
}
