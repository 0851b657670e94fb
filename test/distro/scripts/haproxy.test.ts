import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { haproxyConfig, haproxyScript } from '../../../src/distro/scripts/index.js';

function haproxyCheck(config: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ksctl-haproxy-'));
  try {
    writeFileSync(join(dir, 'haproxy.cfg'), config);
    const r = spawnSync('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')], { encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cps = [
  { name: 'cp-2', address: '10.0.2.12' },
  { name: 'cp-0', address: '10.0.2.10' },
  { name: 'cp-1', address: '10.0.2.11' },
];

describe('haproxyConfig', () => {
  it('TCP frontend on 6443, round-robin backend, each control plane checked with HTTPS /readyz, sorted', () => {
    const cfg = haproxyConfig({ controlPlanes: cps });
    expect(cfg).toContain('    mode tcp');
    expect(cfg).toContain('    bind :6443');
    expect(cfg).toContain('    balance roundrobin');
    const servers = cfg.split('\n').filter((l) => l.trim().startsWith('server '));
    expect(servers).toEqual([
      '    server cp-0 10.0.2.10:6443 check check-ssl verify none',
      '    server cp-1 10.0.2.11:6443 check check-ssl verify none',
      '    server cp-2 10.0.2.12:6443 check check-ssl verify none',
    ]);
    expect(cfg).toContain('    option httpchk GET /readyz\n    http-check expect status 200\n');
    expect(cfg).not.toContain('tcp-check');
    expect(cfg).toContain('    chroot /var/lib/haproxy\n    user haproxy\n    group haproxy\n');
    expect(cfg).not.toMatch(/^\s*stats /m);
    expect(haproxyConfig({ controlPlanes: [...cps].reverse() })).toBe(cfg);
  });

  it("checks k3s servers at the supervisor's /ping (k3s answers anonymous /readyz with 401), and refuses a path that is not one", () => {
    const cfg = haproxyConfig({ controlPlanes: cps, healthCheckPath: '/ping' });
    expect(cfg).toContain('    option httpchk GET /ping\n    http-check expect status 200\n');
    expect(haproxyCheck(cfg).status).toBe(0);
    expect(() => haproxyConfig({ controlPlanes: cps, healthCheckPath: 'ping; rm -rf /' })).toThrow(
      /healthCheckPath must be an absolute URL path/,
    );
  });

  it.each([
    ['IPv4', cps],
    ['IPv6', [{ name: 'cp-0', address: 'fd00::10' }]],
    ['DNS names', [{ name: 'cp-0', address: 'cp-0.internal' }]],
  ])('is accepted by the real haproxy -c (%s)', (_n, list) => {
    const r = haproxyCheck(haproxyConfig({ controlPlanes: list }));
    expect(r.status, r.output).toBe(0);
    // The only warning allowed: a name that does not resolve yet (its server starts disabled).
    expect(
      r.output.split('\n').filter((l) => l.includes('[WARNING]') && !l.includes('could not resolve address')),
    ).toEqual([]);
  });

  it('brackets IPv6 addresses', () => {
    expect(haproxyConfig({ controlPlanes: [{ name: 'cp-0', address: 'fd00::10' }] })).toContain(
      'server cp-0 [fd00::10]:6443 check check-ssl verify none',
    );
  });

  it.each([
    ['no control planes', []],
    ['a bad name', [{ name: 'cp 0; rm -rf /', address: '10.0.0.1' }]],
    ['a bad address', [{ name: 'cp-0', address: '10.0.0.1:22' }]],
    ['a duplicate', [cps[0]!, cps[0]!]],
  ])('rejects %s with an InputError', (_n, list) => {
    expect(() => haproxyConfig({ controlPlanes: list })).toThrow(InputError);
  });
});

describe('haproxyScript', () => {
  it('installs only when missing, validates before swapping, reloads on change', () => {
    const s = haproxyScript({ controlPlanes: cps });
    expect(s.body).toContain('if ! command -v haproxy >/dev/null 2>&1; then');
    expect(s.body).toContain('apt_install haproxy');
    expect(s.body).toContain('haproxy -c -q -f "$new"');
    expect(s.body.indexOf('haproxy -c -q')).toBeLessThan(s.body.indexOf('write_file "$cfg"'));
    expect(s.body).toContain('systemctl reload haproxy');
    expect(s.files).toBeUndefined();
  });

  it('air-gapped: never installs, fails clearly when haproxy is absent', () => {
    const s = haproxyScript({ controlPlanes: cps, airgap: {} });
    expect(s.body).not.toContain('apt');
    expect(s.body).toContain('die "haproxy is not installed and this is an air-gapped install');
  });
});
