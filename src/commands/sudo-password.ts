/**
 * The sudo password a self-managed cluster's machines need (`spec.ssh.sudoPassword: true`): from
 * KSCTL_SUDO_PASSWORD when set, else asked on the terminal through the IoHost, else a bad-input error
 * naming both. Never stored, logged or echoed: it travels only to sudo's stdin.
 */
import type { ClusterSpec } from '../api/types.js';
import { InputError } from '../errors.js';
import type { IoHost } from '../io/types.js';
import { registerSecret } from '../util/redact.js';

export async function sudoPasswordFor(
  spec: Pick<ClusterSpec, 'type' | 'ssh'>,
  io: IoHost,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const fromEnv = env.KSCTL_SUDO_PASSWORD || undefined;
  if (spec.type !== 'selfmanaged' || !spec.ssh?.sudoPassword) return fromEnv;
  if (fromEnv) return fromEnv;
  if (!io.interactive) {
    throw new InputError(
      'spec.ssh.sudoPassword is true but no password was given: set KSCTL_SUDO_PASSWORD (without a terminal ksctl never prompts)',
      ['spec.ssh.sudoPassword', 'KSCTL_SUDO_PASSWORD'],
    );
  }
  const answer = await io.prompt.password({ message: 'sudo password for the machines' });
  if (answer === '' || /[\0\r\n]/.test(answer))
    throw new InputError('the sudo password must be one non-empty line', ['spec.ssh.sudoPassword']);
  registerSecret(answer);
  return answer;
}
