/**
 * `add worker`'s flags, checked and defaulted in src/api as create's are: ssh-only flags on a cloud
 * and a hostile endpoint are exit 2 naming the flag; the ssh provider's new machine gets create's
 * defaults (port 22, user root, private address = address).
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { addWorkerRequest, workerMachineOf } from '../../src/api/worker-request.js';
import { InputError } from '../../src/errors.js';

const refusal = (f: () => unknown): InputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('not refused');
};

describe('add worker request', () => {
  it('passes --name on, unchecked here (the manager checks it against the cluster)', () => {
    expect(addWorkerRequest('aws', { name: 'gpu-0' })).toEqual({ name: 'gpu-0' });
    expect(addWorkerRequest('gcp', {})).toEqual({});
  });

  it('refuses the ssh provider flags on a cloud, naming each', () => {
    const e = refusal(() => addWorkerRequest('azure', { address: '192.0.2.9', user: 'root', port: 2222 }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('--address, --port, --user: for the ssh provider only; azure creates the machine');
    expect(e.fields).toEqual(['--address', '--port', '--user']);
  });

  it.each([
    [{ address: '1.2.3.4; touch /tmp/x' }, '--address'],
    [{ address: '192.0.2.9', user: 'root;id' }, '--user'],
    [{ address: '192.0.2.9', port: 70000 }, '--port'],
  ])('refuses a hostile endpoint %j naming %s', (flags, field) => {
    const e = refusal(() => addWorkerRequest('ssh', flags));
    expect(e.exitCode).toBe(2);
    expect(e.fields).toContain(field);
  });

  it("gives the ssh provider's new machine create's defaults", () => {
    const spec = applyDefaults({
      name: 'lab',
      provider: 'ssh',
      type: 'selfmanaged',
      machines: [
        { role: 'loadbalancer', address: '192.0.2.1' },
        { role: 'controlplane', address: '192.0.2.2' },
      ],
    });
    expect(workerMachineOf(spec, { address: '192.0.2.9' }, {})).toMatchObject({
      address: '192.0.2.9',
      privateAddress: '192.0.2.9',
      port: 22,
      user: 'root',
    });
    expect(
      workerMachineOf(spec, { address: '192.0.2.9', privateAddress: '10.0.0.9', user: 'ops', port: 2222 }, {}),
    ).toMatchObject({ privateAddress: '10.0.0.9', user: 'ops', port: 2222 });
  });
});
