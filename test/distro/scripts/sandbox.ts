/**
 * Runs a generated script for real, as root, inside a private mount namespace whose /etc, /var and
 * /usr are overlays on temp directories: the script sees and changes a full filesystem, the host's
 * stays untouched, and the changes persist from one run to the next (to test re-runs). Commands that
 * would touch the real system (systemctl, kubeadm, the k3s binary...) are test stand-ins ("stubs")
 * that log their arguments and keep a little state; failures can be injected once per command.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Script } from '../../../src/distro/scripts/index.js';
import type { EtcdReleaseSpec } from '../../../src/api/etcd-release.js';
import { AIRGAP_DIR } from '../../../src/distro/scripts/common.js';
import { etcdAirgapTarball } from '../../../src/distro/scripts/etcd-install.js';
import { builtEtcd, builtEtcdReleaseSpec } from '../../helpers/etcd-release.js';

const OVERLAID = ['etc', 'var', 'usr'];

/** One bash stub for every command; behaviour by name. */
/** `@{` stands for bash's `${` (which a template literal would interpolate). */
const STUB = String.raw`#!/bin/bash
name=$(basename "$0")
printf '%s %s\n' "$name" "$*" >>"$STUB_LOG"
count=$(( $(cat "$STUB_STATE/count" 2>/dev/null || echo 0) + 1 ))
echo "$count" >"$STUB_STATE/count"
if [ "$count" = "$(cat "$STUB_STATE/fail-at" 2>/dev/null)" ]; then echo "stub $name: injected failure at call $count" >&2; exit 1; fi
loaded() { mkdir -p "$STUB_STATE/loaded"; date +%s%N >"$STUB_STATE/loaded/$1"; }
if [ -e "$STUB_STATE/fail/$name" ] && [[ " $* " == *"$(cat "$STUB_STATE/fail/$name.when")"* ]]; then
  action=$(cat "$STUB_STATE/fail/$name")
  rm -f "$STUB_STATE/fail/$name" "$STUB_STATE/fail/$name.when"
  if [ "$action" = partial-init ]; then mkdir -p /etc/kubernetes; echo partial >/etc/kubernetes/admin.conf; fi
  echo "stub $name: injected failure" >&2
  exit 1
fi
active="$STUB_STATE/active"
mkdir -p "$active"
case "$name" in
  ss) echo 'LISTEN 0 4096 0.0.0.0:6443 0.0.0.0:*' ;;
  systemctl)
    args=()
    for a in "$@"; do case "$a" in --*) ;; *) args+=("$a") ;; esac; done
    verb=@{args[0]:-}
    unit=@{args[1]:-}
    case "$verb" in
      is-active) [ -e "$active/$unit" ] ;;
      start)
        if [ ! -e "$active/$unit" ]; then loaded "$unit"; fi
        touch "$active/$unit"
        ;;
      restart) touch "$active/$unit"; loaded "$unit" ;;
      reload) [ -e "$active/$unit" ] && loaded "$unit" ;;
      disable) rm -f "$active/$unit" ;;
      *) exit 0 ;;
    esac
    ;;
  k3s)
    if [ "@{1:-}" = --version ]; then echo "k3s version $STUB_K3S_VERSION (0000000)"; echo "go version go1.22"; fi
    exit 0
    ;;
  curl)
    out=""
    while [ $# -gt 0 ]; do if [ "$1" = -o ]; then out=$2; shift; fi; shift; done
    if [ -n "$out" ]; then cp "$STUB_DIR/k3s-install.sh" "$out"; fi
    ;;
  kubeadm)
    case "@{1:-}" in
      init) if [ "@{2:-}" != phase ]; then mkdir -p /etc/kubernetes; echo admin >/etc/kubernetes/admin.conf; loaded kubeadm; fi ;;
      join) mkdir -p /etc/kubernetes; echo kubelet >/etc/kubernetes/kubelet.conf; loaded kubeadm ;;
      reset) rm -rf /etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/pki ;;
      version) echo "v$STUB_KUBE_VERSION" ;;
    esac
    ;;
  kubelet) echo "Kubernetes v$STUB_KUBE_VERSION" ;;
  containerd) if [ "@{1:-}" = --version ]; then echo "containerd github.com/containerd/containerd@{STUB_CONTAINERD_MODULE:-} @{STUB_CONTAINERD_VERSION:-v1.7.24} 88bf19b2"; fi ;;
  ctr) if [ "@{1:-}" = plugins ]; then printf 'TYPE                  ID     PLATFORMS    STATUS\nio.containerd.grpc.v1 cri    -            ok\n'; fi ;;
  sysctl) if [ "@{1:-}" = -n ]; then echo 1; fi ;;
  *) exit 0 ;;
esac
`.replace(/@\{/g, '${');

/** Stand-in for the k3s install script: records its environment, installs the k3s stub, starts the unit. */
const K3S_INSTALLER = String.raw`#!/bin/sh
env | grep -E '^(INSTALL_K3S_|K3S_)' | sort >"$STUB_STATE/installer-env"
echo "installer $INSTALL_K3S_EXEC" >>"$STUB_LOG"
cp "$STUB_DIR/k3s" /usr/local/bin/k3s
unit=k3s
if [ "$INSTALL_K3S_EXEC" = agent ]; then unit=k3s-agent; fi
touch "$STUB_STATE/active/$unit"
mkdir -p "$STUB_STATE/loaded"
date +%s%N >"$STUB_STATE/loaded/$unit"
`;

/** Stand-ins; sysctl, modprobe and swap tools too, since the mount namespace does not isolate the kernel. */
export const STUBBED = [
  'systemctl',
  'journalctl',
  'curl',
  'kubeadm',
  'kubectl',
  'kubelet',
  'etcdctl',
  'apt-get',
  'apt-mark',
  'dpkg',
  'gpg',
  'k3s',
  'containerd',
  'ctr',
  'sysctl',
  'modprobe',
  'swapon',
  'swapoff',
  'ss',
];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Stub invocations during this run, one line each: `name args...`. */
  calls: string[];
}

export class Sandbox {
  readonly root = mkdtempSync(join(tmpdir(), 'ksctl-sandbox-'));
  readonly stubDir = join(this.root, 'stubs');
  readonly state = join(this.root, 'state');
  private readonly log = join(this.root, 'calls.log');

  constructor(
    readonly k3sVersion = 'v1.37.2+k3s1',
    readonly kubeVersion = '1.37.2',
  ) {
    mkdirSync(this.stubDir);
    mkdirSync(join(this.state, 'fail'), { recursive: true });
    mkdirSync(join(this.state, 'active'), { recursive: true });
    for (const name of STUBBED) this.writeExecutable(join(this.stubDir, name), STUB);
    this.writeExecutable(join(this.stubDir, 'k3s-install.sh'), K3S_INSTALLER);
    for (const d of OVERLAID) {
      mkdirSync(join(this.root, `${d}.upper`), { recursive: true });
      mkdirSync(join(this.root, `${d}.work`));
    }
  }

  /** Whether this machine can run sandboxes (root, mount namespaces, overlayfs). */
  static available(): boolean {
    if (process.getuid?.() !== 0) return false;
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']);
    return r.status === 0;
  }

  private writeExecutable(path: string, text: string): void {
    writeFileSync(path, text);
    chmodSync(path, 0o755);
  }

  /** Place a file in the sandbox's view of the filesystem (as the executor's upload would). */
  put(path: string, content: string | Buffer, mode = 0o644): void {
    const top = path.split('/')[1] ?? '';
    if (!OVERLAID.includes(top)) throw new Error(`sandbox: ${path} is not under ${OVERLAID.join(', ')}`);
    const real = join(this.root, `${top}.upper`, path.slice(top.length + 2));
    mkdirSync(join(real, '..'), { recursive: true });
    writeFileSync(real, content);
    chmodSync(real, mode);
  }

  /** Upload the built upstream etcd release tarball as an air-gapped install expects it; returns the release. */
  putEtcdTarball(): EtcdReleaseSpec {
    const etcd = builtEtcd();
    this.put(`${AIRGAP_DIR}/${etcdAirgapTarball(etcd)}`, readFileSync(etcd.tarball));
    return builtEtcdReleaseSpec();
  }

  /** Read a file as the sandbox sees it (undefined if absent). */
  read(path: string): string | undefined {
    const r = this.exec(`cat ${path}`);
    return r.code === 0 ? r.stdout : undefined;
  }

  /** `stat -c %a:%U:%G` inside the sandbox. */
  stat(path: string): string {
    return this.exec(`stat -c %a:%U:%G ${path}`).stdout.trim();
  }

  /**
   * The next call of stub `name` whose arguments contain `when` fails once (`partial-init`: kubeadm
   * leaves admin.conf behind, as an init killed half-way does).
   */
  failNext(name: string, opts: { when?: string; action?: 'fail' | 'partial-init' } = {}): void {
    writeFileSync(join(this.state, 'fail', `${name}.when`), opts.when ?? '');
    writeFileSync(join(this.state, 'fail', name), opts.action ?? 'fail');
  }

  /** Make the k-th stub call from now on fail (0: none). Resets the call counter. */
  failAtCall(k: number): void {
    writeFileSync(join(this.state, 'count'), '0');
    writeFileSync(join(this.state, 'fail-at'), String(k));
  }

  /** When `unit` last (re)loaded its configuration, in ns (stub start/restart/reload, kubeadm init/join). */
  loadedAt(unit: string): bigint | undefined {
    const p = join(this.state, 'loaded', unit);
    return existsSync(p) ? BigInt(readFileSync(p, 'utf8').trim()) : undefined;
  }

  /** Modification time of a file inside the sandbox, in ns. */
  mtime(path: string): bigint {
    const out = this.exec(`stat -c %.9Y ${path}`).stdout.trim();
    return BigInt(out.replace('.', ''));
  }

  /** The environment the k3s installer stand-in ran with (`NAME=value` lines). */
  installerEnv(): string {
    return readFileSync(join(this.state, 'installer-env'), 'utf8');
  }

  setActive(unit: string, active: boolean): void {
    const p = join(this.state, 'active', unit);
    if (active) writeFileSync(p, '');
    else rmSync(p, { force: true });
  }

  isActive(unit: string): boolean {
    return existsSync(join(this.state, 'active', unit));
  }

  run(script: Script, env: Record<string, string> = {}): RunResult {
    const file = join(this.root, 'script.sh');
    writeFileSync(file, script.body);
    return this.exec(`exec bash ${file}`, { ...script.env, ...env });
  }

  /** Runs a command inside the sandbox (stubs first on PATH). */
  exec(command: string, env: Record<string, string> = {}): RunResult {
    writeFileSync(this.log, '');
    const mounts = OVERLAID.map(
      (d) =>
        `mount -t overlay overlay -o lowerdir=/${d},upperdir=${this.root}/${d}.upper,workdir=${this.root}/${d}.work /${d}`,
    ).join(' && ');
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', `${mounts} && ${command}`], {
      encoding: 'utf8',
      env: {
        PATH: `${this.stubDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        STUB_LOG: this.log,
        STUB_STATE: this.state,
        STUB_DIR: this.stubDir,
        STUB_K3S_VERSION: this.k3sVersion,
        STUB_KUBE_VERSION: this.kubeVersion,
        ...env,
      },
      timeout: 60_000,
    });
    const calls = readFileSync(this.log, 'utf8').split('\n').filter(Boolean);
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, calls };
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
