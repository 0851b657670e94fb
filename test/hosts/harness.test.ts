// Proves the test-host harness: real sshd per network namespace, pinned host keys, private
// filesystems, host-to-host networking, the systemctl stand-in, power off/on and clean teardown.
// Every connection targets only the test hosts' bridge addresses.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHosts, type KeyPair, type TestHost, type TestHostSet } from './harness.js';
import { run, type ExecResult } from './run.js';

let set: TestHostSet;
let dir: string;
let keyFile: string;

beforeAll(async () => {
  set = await startHosts(3);
  dir = mkdtempSync(join(tmpdir(), 'ksh-test-'));
  keyFile = join(dir, 'id_ed25519');
  writeFileSync(keyFile, `${set.hosts[0]!.privateKey.trim()}\n`, { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await set?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const h = (i: number): TestHost => set.hosts[i]!;

/** OpenSSH client pinned to `knownHosts` (default: the host's own key), no agent, no config. */
function ssh(
  host: TestHost,
  user: string,
  cmd: string,
  opts: { knownHosts?: string; input?: string } = {},
): Promise<ExecResult> {
  const kh = join(dir, `known_hosts_${host.name}_${Math.random().toString(36).slice(2)}`);
  writeFileSync(kh, `${opts.knownHosts ?? host.knownHostsLine}\n`);
  return run(
    'ssh',
    [
      '-F',
      '/dev/null',
      '-i',
      keyFile,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${kh}`,
      '-o',
      'ConnectTimeout=5',
      `${user}@${host.address}`,
      cmd,
    ],
    { timeoutMs: 20_000, input: opts.input },
  );
}

async function httpGet(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return await res.text();
  } catch {
    return undefined;
  }
}

async function eventually<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('test hosts', () => {
  test('three hosts answer over SSH as root, pinned to their own host keys, with distinct hostnames', async () => {
    const names = await Promise.all(
      set.hosts.map(async (host) => {
        const r = await ssh(host, 'root', 'hostname; cat /etc/hostname; id -u');
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        return r.stdout.trim().split('\n');
      }),
    );
    expect(names.map((n) => n[0])).toEqual(set.hosts.map((x) => x.name));
    expect(names.map((n) => n[1])).toEqual(set.hosts.map((x) => x.name));
    expect(new Set(set.hosts.map((x) => x.name)).size).toBe(3);
    expect(new Set(set.hosts.map((x) => x.address)).size).toBe(3);
    expect(names.every((n) => n[2] === '0')).toBe(true);
  });

  test('a wrong pinned key is refused (no trust on first use)', async () => {
    const r = await ssh(h(0), 'root', 'true', { knownHosts: `${h(0).address} ${h(1).hostKeyPublic}` });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/host key verification failed/i);
  });

  test('ssh2 connects with a hostVerifier pinned to hostKeyPublic', async () => {
    const want = Buffer.from(h(1).hostKeyPublic.split(' ')[1]!, 'base64');
    const out = await new Promise<string>((resolve, reject) => {
      const c = new ssh2.Client();
      c.on('ready', () =>
        c.exec('hostname', (err, stream) => {
          if (err) return reject(err);
          let s = '';
          stream.on('data', (b: Buffer) => (s += b.toString()));
          stream.on('close', () => {
            c.end();
            resolve(s.trim());
          });
        }),
      );
      c.on('error', reject);
      c.connect({
        host: h(1).address,
        port: h(1).port,
        username: 'root',
        privateKey: h(1).privateKey,
        hostVerifier: (key: Buffer) => key.equals(want),
      });
    });
    expect(out).toBe(h(1).name);
  });

  test('ksctl has passwordless sudo; ksctlpw needs the password; PATH puts /usr/local/bin first', async () => {
    const a = await ssh(
      h(0),
      'ksctl',
      'echo "$PATH"; command -v systemctl; sudo -n id -u; sudo -n sh -c "command -v systemctl"',
    );
    expect(a.code).toBe(0);
    const [path, which, uid, sudoWhich] = a.stdout.trim().split('\n');
    expect(path).toMatch(/^\/usr\/local\/bin:/);
    expect(which).toBe('/usr/local/bin/systemctl');
    expect(uid).toBe('0');
    expect(sudoWhich).toBe('/usr/local/bin/systemctl');
    const noPw = await ssh(h(0), 'ksctlpw', 'sudo -n true');
    expect(noPw.code).not.toBe(0);
    const pw = await ssh(h(0), 'ksctlpw', "echo ksctl-sudo-pw | sudo -S -p '' id -u");
    expect(pw.stdout.trim()).toBe('0');
  });

  test('/etc, /usr and /var are private per host; the rest of / is read-only; the checkout is visible', async () => {
    const marker = `ksh-marker-${set.id}`;
    const w = await h(0).exec(
      `echo a > /etc/${marker} && echo b > /usr/local/bin/${marker} && echo c > /usr/lib/${marker} && mkdir -p /var/lib/${marker}`,
    );
    expect(w.code).toBe(0);
    expect((await h(0).exec(`cat /etc/${marker}`)).stdout).toBe('a\n');
    expect(
      (await h(1).exec(`test -e /etc/${marker} || test -e /usr/local/bin/${marker} || test -e /var/lib/${marker}`))
        .code,
    ).toBe(1);
    for (const p of [`/etc/${marker}`, `/usr/local/bin/${marker}`, `/usr/lib/${marker}`, `/var/lib/${marker}`])
      expect(existsSync(p)).toBe(false);
    // The checkout (wherever it was cloned, /tmp included) is there, read-only: stand-ins run from it.
    const repo = join(import.meta.dirname, '..', '..');
    expect((await h(0).exec(`test -r ${repo}/package.json`)).code).toBe(0);
    const ro = await h(0).exec(`touch ${repo}/${marker}`);
    expect(ro.code).not.toBe(0);
    expect(ro.stderr).toMatch(/read-only/i);
    // Users exist only inside hosts.
    expect(readFileSync('/etc/passwd', 'utf8')).not.toMatch(/^ksctl:/m);
    expect((await h(2).exec('getent passwd ksctl ksctlpw | wc -l')).stdout.trim()).toBe('2');
  });

  test('hosts reach each other over the bridge, also by name', async () => {
    const r = await h(0).exec(`exec 3<>/dev/tcp/${h(1).name}/22 && head -c 7 <&3`);
    expect(r.stdout).toBe('SSH-2.0');
    const back = await h(2).exec(`exec 3<>/dev/tcp/${h(0).address}/22 && head -c 7 <&3`);
    expect(back.stdout).toBe('SSH-2.0');
  });

  test("systemctl stand-in runs a real listener started over SSH, with the host's /etc and address", async () => {
    const host = h(0);
    const unit = [
      '[Unit]',
      'Description=ksh test web server',
      '[Service]',
      'Environment="PORT=8080" "GREETING=hello world"',
      'EnvironmentFile=-/etc/default/ksh-web',
      'ExecStartPre=/bin/sh -c \'echo "$GREETING from $(hostname)" > /etc/ksh-web/index.html\'',
      `ExecStart=/usr/bin/python3 -m http.server $PORT \\`,
      `  --bind ${host.address}`,
      'WorkingDirectory=/etc/ksh-web',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n');
    const script = `set -e; sudo mkdir -p /etc/ksh-web; sudo tee /etc/systemd/system/ksh-web.service >/dev/null;
      sudo systemctl daemon-reload; sudo systemctl enable --now ksh-web; systemctl is-active ksh-web`;
    const res = await ssh(host, 'ksctl', script, { input: unit });
    expect(res.stderr).not.toMatch(/Failed/);
    expect(res.stdout.trim()).toBe('active');
    const body = await eventually(() => httpGet(`http://${host.address}:8080/index.html`));
    expect(body.trim()).toBe(`hello world from ${host.name}`);
    // Listens on the host's address, so the other hosts reach it too.
    expect((await h(1).exec(`exec 3<>/dev/tcp/${host.address}/8080 && echo ok`)).stdout).toBe('ok\n');

    const pid1 = (await host.exec('cat /run/systemctl-standin/ksh-web.service.pid')).stdout.trim();
    expect((await host.exec('systemctl restart ksh-web && systemctl is-active ksh-web')).stdout.trim()).toBe('active');
    const pid2 = (await host.exec('cat /run/systemctl-standin/ksh-web.service.pid')).stdout.trim();
    expect(pid2).not.toBe(pid1);
    await eventually(() => httpGet(`http://${host.address}:8080/index.html`));
    const status = await host.exec('systemctl status ksh-web');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Active: active \(running\)/);

    const stopped = await host.exec('systemctl stop ksh-web; systemctl is-active ksh-web');
    expect(stopped.code).toBe(3);
    expect(stopped.stdout.trim()).toBe('inactive');
    expect(await httpGet(`http://${host.address}:8080/`)).toBeUndefined();
    expect((await host.exec('systemctl is-active --quiet nope')).code).toBe(3);
    expect((await host.exec('systemctl start nope')).code).toBe(5);
  }, 30_000);

  test("Debian's own haproxy.service runs under the stand-in and balances to another host", async () => {
    const lb = h(2);
    const cfg =
      `defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n` +
      `frontend api\n  bind ${lb.address}:6443\n  default_backend cps\n` +
      `backend cps\n  server cp0 ${h(1).address}:22\n`;
    const r = await lb.exec(
      `cat > /etc/haproxy/haproxy.cfg && systemctl enable --now haproxy && systemctl is-active haproxy`,
      { input: cfg },
    );
    expect(r.stdout.trim()).toBe('active');
    const banner = await eventually(async () => {
      const x = await run('bash', ['-c', `exec 3<>/dev/tcp/${lb.address}/6443 && head -c 7 <&3`], { timeoutMs: 3000 });
      return x.stdout === 'SSH-2.0' ? x.stdout : undefined;
    });
    expect(banner).toBe('SSH-2.0');
    expect(readFileSync('/etc/haproxy/haproxy.cfg', 'utf8')).not.toContain(lb.address);
  }, 30_000);

  test('stop() takes a host down; start() boots sshd and the enabled units again', async () => {
    const host = h(2);
    await host.stop();
    expect((await ssh(host, 'root', 'true')).code).toBe(255);
    expect((await host.exec('ls /run/systemctl-standin 2>/dev/null | wc -l')).stdout.trim()).toBe('0');
    await host.start();
    expect((await ssh(host, 'root', 'hostname')).stdout.trim()).toBe(host.name);
    expect((await host.exec('systemctl is-active haproxy')).stdout.trim()).toBe('active');
  }, 30_000);
});

describe('host sets', () => {
  test('concurrent sets get distinct addresses; injected host keys are used; teardown leaves nothing', async () => {
    const keys: KeyPair[] = [0, 1].map(() => {
      const k = ssh2.utils.generateKeyPairSync('ed25519');
      return { private: k.private, public: k.public.trim() };
    });
    const [a, b] = await Promise.all([startHosts(2, { prefix: 'lb', hostKey: keys }), startHosts(2)]);
    const all = [...a.hosts, ...b.hosts, ...set.hosts];
    expect(new Set(all.map((x) => x.address)).size).toBe(all.length);
    expect(a.hosts.map((x) => x.hostKeyPublic)).toEqual(keys.map((k) => k.public));
    expect(a.hosts[0]!.name).toBe(`lb-${a.id}-0`);
    const remote = await a.hosts[1]!.exec(
      'cat /etc/ssh/ssh_host_ed25519_key.pub; setsid sleep 600 >/dev/null 2>&1 < /dev/null &',
    );
    expect(remote.stdout.trim()).toBe(keys[1]!.public);

    const holders = [...a.hosts, ...b.hosts].map((x) => x.holderPid);
    await Promise.all([a.teardown(), b.teardown()]);
    await a.teardown(); // idempotent
    const netns = (await run('ip', ['netns', 'list'])).stdout;
    const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
    for (const s of [a, b]) {
      expect(netns).not.toContain(s.id);
      expect(links).not.toContain(`kshv${s.id}`);
      expect(existsSync(`/run/ksctl-test-hosts/sets/${s.id}`)).toBe(false);
    }
    for (const pid of holders) expect(existsSync(`/proc/${pid}`)).toBe(false);
    const ps = (await run('ps', ['-eo', 'args'])).stdout;
    expect(ps).not.toMatch(new RegExp(`(${a.id}|${b.id})`));
    expect(ps).not.toMatch(/sleep 600/);
    // The first set is untouched.
    expect((await h(0).exec('hostname')).stdout.trim()).toBe(h(0).name);
  }, 60_000);
});
