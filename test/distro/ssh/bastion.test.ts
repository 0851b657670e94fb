import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/errors.js';
import { fingerprint } from '../../../src/distro/ssh/hostkey.js';
import { Ssh2Pool } from '../../../src/distro/ssh/pool.js';
import type { SshTarget } from '../../../src/distro/ssh/types.js';
import { freePort, keygen, SshFixture, type Sshd } from './sshd.js';

let fx: SshFixture;
let jump: Sshd;
let machine: Sshd;

beforeAll(async () => {
  fx = new SshFixture();
  [jump, machine] = await Promise.all([fx.start({ name: 'jump' }), fx.start({ name: 'machine' })]);
});
afterAll(async () => {
  await fx?.cleanup();
});

const behindJump = (name: string, over: Partial<SshTarget> = {}, bastion: Partial<SshTarget> = {}): SshTarget =>
  fx.target(machine, { name, bastion: { ...fx.target(jump, { name: 'jump' }), ...bastion }, ...over });

describe('through a bastion', () => {
  it('reaches machines over one shared, pinned bastion connection', async () => {
    const pool = new Ssh2Pool();
    try {
      const [jumpBefore, machineBefore] = [jump.connections(), machine.connections()];
      const a = await pool.session(behindJump('cp-0'));
      const b = await pool.session(behindJump('cp-1'));
      expect(a.hostKey).toBe(machine.hostKey);
      const outs = await Promise.all([a.exec('echo a'), b.exec('echo b'), a.exec('echo c')]);
      expect(outs.map((o) => o.stdout)).toEqual(['a\n', 'b\n', 'c\n']);
      await a.upload('/tmp/ksctl-bastion-test', 'via jump');
      expect((await b.download('/tmp/ksctl-bastion-test')).toString()).toBe('via jump');
      await b.exec('rm /tmp/ksctl-bastion-test');
      expect(jump.connections() - jumpBefore).toBe(1);
      expect(machine.connections() - machineBefore).toBe(2);
    } finally {
      pool.closeAll();
    }
  });

  it('refuses a bastion whose key does not match, naming the bastion', async () => {
    const wrong = keygen(join(fx.dir, 'wrong-jump'));
    const pool = new Ssh2Pool();
    try {
      const err = await pool.session(behindJump('cp-0', {}, { hostKeys: [wrong] })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as Error).message).toBe(
        `machine "jump" (127.0.0.1:${jump.port}) presented host key ${fingerprint(jump.hostKey)}, ` +
          `but the pinned key is ${fingerprint(wrong)}; refusing to connect`,
      );
    } finally {
      pool.closeAll();
    }
  });

  it('waits for a machine behind the bastion and reports it with the route', async () => {
    const port = await freePort();
    const pool = new Ssh2Pool();
    try {
      const err = await pool.session(behindJump('w-9', { port }), { maxWaitMs: 1000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as Error).message).toMatch(
        new RegExp(
          `^machine "w-9" \\(127\\.0\\.0\\.1:${port} via bastion "jump" \\(127\\.0\\.0\\.1:${jump.port}\\)\\) ` +
            'did not answer SSH within 1s: .*Connection refused',
        ),
      );
    } finally {
      pool.closeAll();
    }
  });
});
