/**
 * spec.ssh.sudoPassword: the password comes from KSCTL_SUDO_PASSWORD, else from a masked prompt
 * through the IoHost on a terminal, else the run stops with exit 2 naming both ways to give it.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../src/api/types.js';
import { sudoPasswordFor } from '../../src/commands/sudo-password.js';
import { InputError } from '../../src/errors.js';
import { scriptedIo } from '../helpers/scripted-io.js';
import { redact } from '../../src/util/redact.js';

/** An IoHost that answers the secret prompt and records what it was asked. */
const io = (interactive: boolean, answer = '') => scriptedIo([{ ask: /sudo password/, answer }], { interactive });

const spec = (sudoPassword: boolean, type: ClusterSpec['type'] = 'selfmanaged') => ({ type, ssh: { sudoPassword } });

describe('sudo password', () => {
  it('reads KSCTL_SUDO_PASSWORD without asking', async () => {
    const host = io(true, 'typed');
    expect(await sudoPasswordFor(spec(true), host, { KSCTL_SUDO_PASSWORD: 'from-env' })).toBe('from-env');
    expect(host.asked).toEqual([]);
  });

  it('asks on a terminal and registers the answer for redaction', async () => {
    const host = io(true, 'correct horse battery');
    expect(await sudoPasswordFor(spec(true), host, {})).toBe('correct horse battery');
    expect(host.asked).toEqual(['sudo password for the machines']);
    expect(redact('sudo said: correct horse battery')).toBe('sudo said: [REDACTED]');
  });

  it('without a terminal stops with exit 2 naming the field and the variable', async () => {
    const e = await sudoPasswordFor(spec(true), io(false), {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).exitCode).toBe(2);
    expect((e as InputError).fields).toEqual(['spec.ssh.sudoPassword', 'KSCTL_SUDO_PASSWORD']);
    expect((e as InputError).message).toMatch(/set KSCTL_SUDO_PASSWORD/);
  });

  it('refuses an empty answer', async () => {
    await expect(sudoPasswordFor(spec(true), io(true, ''), {})).rejects.toThrow(/one non-empty line/);
  });

  it('never asks when the spec does not promise it, or for a managed cluster', async () => {
    const host = io(true, 'x');
    expect(await sudoPasswordFor(spec(false), host, {})).toBeUndefined();
    expect(await sudoPasswordFor(spec(true, 'managed'), host, {})).toBeUndefined();
    expect(await sudoPasswordFor(spec(false), host, { KSCTL_SUDO_PASSWORD: 'still-used' })).toBe('still-used');
    expect(host.asked).toEqual([]);
  });
});
