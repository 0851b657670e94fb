// Alone in its file (its own worker), so the count of open sockets starts from a clean baseline.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Ssh2Pool } from '../../../src/distro/ssh/pool.js';
import { SshFixture, type Sshd } from './sshd.js';

let fx: SshFixture;
let sshd: Sshd;

beforeAll(async () => {
  fx = new SshFixture();
  sshd = await fx.start();
});
afterAll(async () => {
  await fx?.cleanup();
});

const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

it('leaves no open sockets or timers after closeAll, and closed sessions refuse work', async () => {
  const baseline = sockets();
  const pool = new Ssh2Pool({ keepaliveIntervalMs: 1000 });
  const a = await pool.session(fx.target(sshd));
  const b = await pool.session(fx.target(sshd, { name: 'other' }));
  await Promise.all([a.exec('true'), b.upload(`/tmp/ksctl-lifecycle-${process.pid}`, 'x')]);
  await b.exec(`rm -f /tmp/ksctl-lifecycle-${process.pid}`);
  expect(sockets()).toBe(baseline + 2);
  pool.closeAll();
  for (let i = 0; i < 100 && sockets() > baseline; i++) await new Promise((r) => setTimeout(r, 10));
  expect(sockets()).toBe(baseline);
  expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(0);
  await expect(a.exec('true')).rejects.toThrow(/was closed/);
});
