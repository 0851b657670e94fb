/**
 * SSH pool STAND-IN: implements the executor's SshPool/SshSession contract (src/distro/ssh/types.ts)
 * without any network. Connecting, running a bootstrap script, uploading and downloading each
 * *sleep on a clock* (e.g. FakeAws's scaled clock) for durations measured on the real SSH test
 * hosts, so a benchmark can run the real SelfManagedManager + executor + state store + cloud
 * provider for 100+ machines in seconds. Nothing is executed: a script is recognised by the header
 * line every ksctl script carries (`# ksctl <name>: ...`, src/distro/scripts/common.ts).
 *
 * Downloads return what was uploaded to that path on that machine; the distribution's admin
 * kubeconfig (k3s.yaml / admin.conf) is synthesised (server https://127.0.0.1:6443, like k3s writes it).
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type {
  ExecOptions,
  ExecResult,
  SshPool,
  SshSession,
  SshTarget,
  UploadData,
  UploadOptions,
} from '../../src/distro/ssh/types.js';

export interface StandinClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface SshStandinTimings {
  /** One connection (TCP + SSH handshake + auth), once per machine. */
  connectMs: number;
  /** Per script name (`haproxy`, `etcd-member`, `k3s-server-init`, ...): the whole script, uploads included. */
  scriptMs: Record<string, number>;
  /** A script not in `scriptMs`, or a plain command. */
  otherExecMs: number;
  uploadMs: number;
  downloadMs: number;
}

export interface StandinExec {
  machine: string;
  /** Script name, or the command for a plain exec. */
  what: string;
  start: number;
  end: number;
}

const ADMIN_KUBECONFIGS = ['/etc/rancher/k3s/k3s.yaml', '/etc/kubernetes/admin.conf'];

/** What the scripts whose output ksctl reads would print on a real host. */
const SCRIPT_STDOUT: Record<string, string> = {
  'k3s-ca-hash': `ca-hash ${'5a'.repeat(32)}\n`, // the cluster CA's sha256 from the server token
  // The version read-back after a node joined (what `k3s --version` / kubeadm and the kubelet report).
  'k3s-version': 'kubernetes-version distribution v1.37.2+k3s1\nkubernetes-version kubernetes v1.37.2\n',
  'kubeadm-version': 'kubernetes-version distribution v1.37.2\nkubernetes-version kubernetes v1.37.2\n',
  'host-facts': 'cgroup-fs cgroup2fs\n', // the clouds' images (Debian 12, Ubuntu 24.04) run cgroup v2
};

function adminKubeconfig(machine: string): string {
  const ca = Buffer.from(`stand-in CA of ${machine}`).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: default',
    '  cluster:',
    `    certificate-authority-data: ${ca}`,
    '    server: https://127.0.0.1:6443',
    'contexts:',
    '- name: default',
    '  context: { cluster: default, user: default }',
    'current-context: default',
    'users:',
    '- name: default',
    '  user: { token: stand-in-admin-token }',
    '',
  ].join('\n');
}

class StandinSession implements SshSession {
  readonly files = new Map<string, Buffer>();
  constructor(
    readonly target: SshTarget,
    readonly hostKey: string,
    private readonly pool: StandinSshPool,
  ) {}

  async exec(command: string, opts: ExecOptions & { allowFailure?: boolean } = {}): Promise<ExecResult> {
    const stdin = opts.stdin === undefined ? '' : opts.stdin.toString();
    const script = /^# ksctl ([\w.-]+):/m.exec(stdin)?.[1];
    const what = script ?? command;
    const ms =
      (script !== undefined
        ? (this.pool.timings.scriptMs[script] ?? this.pool.timings.otherExecMs)
        : this.pool.timings.otherExecMs) + (this.pool.extraMs?.(this.target.name, what) ?? 0);
    await this.pool.timed(this.target.name, what, ms, opts.signal);
    return { code: 0, stdout: (script && SCRIPT_STDOUT[script]) ?? '', stderr: '' };
  }

  async upload(remotePath: string, data: UploadData, _opts?: UploadOptions): Promise<void> {
    await this.pool.timed(this.target.name, `upload ${remotePath}`, this.pool.timings.uploadMs);
    const bytes = typeof data === 'string' || Buffer.isBuffer(data) ? Buffer.from(data) : readFileSync(data.file);
    this.files.set(remotePath, bytes);
  }

  async downloadTo(remotePath: string, sink: Writable): Promise<number> {
    const b = await this.download(remotePath);
    if (!sink.write(b)) await once(sink, 'drain');
    return b.length;
  }

  async download(remotePath: string): Promise<Buffer> {
    await this.pool.timed(this.target.name, `download ${remotePath}`, this.pool.timings.downloadMs);
    const f = this.files.get(remotePath);
    if (f) return f;
    if (ADMIN_KUBECONFIGS.includes(remotePath)) return Buffer.from(adminKubeconfig(this.target.name));
    throw new Error(`ssh stand-in: ${this.target.name}: no such file ${remotePath}`);
  }

  close(): void {}
}

export class StandinSshPool implements SshPool {
  private readonly sessions = new Map<string, Promise<StandinSession>>();
  /** Every timed operation, in start order (for assertions and benchmark reports). */
  readonly log: StandinExec[] = [];
  connects = 0;
  /** Extra time for one machine's script, where its duration depends on the machine (benchmarks). */
  extraMs?: (machine: string, what: string) => number;

  constructor(
    readonly clock: StandinClock,
    readonly timings: SshStandinTimings,
  ) {}

  async timed(machine: string, what: string, ms: number, signal?: AbortSignal): Promise<void> {
    const rec: StandinExec = { machine, what, start: this.clock.now(), end: Number.NaN };
    this.log.push(rec);
    await this.clock.sleep(ms, signal);
    rec.end = this.clock.now();
  }

  session(target: SshTarget, opts: { signal?: AbortSignal } = {}): Promise<SshSession> {
    const key = `${target.name}\0${target.host}\0${target.port}\0${target.user}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = (async () => {
        this.connects++;
        await this.timed(target.name, 'connect', this.timings.connectMs, opts.signal);
        // The machine presents the host key it was given (cloud-init installed the pinned one).
        return new StandinSession(
          target,
          target.hostKeys[0] ?? `ssh-ed25519 STANDIN${Buffer.from(target.name).toString('base64')}`,
          this,
        );
      })();
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  closeAll(): void {
    this.sessions.clear();
  }
}
