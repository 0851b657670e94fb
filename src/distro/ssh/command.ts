/**
 * What actually runs remotely for one exec. The command line sshd sees (and `ps` shows) holds only a
 * fixed reader; the sudo password, the exported environment and the caller's command travel on stdin,
 * ahead of the caller's own stdin:
 *
 *     [password\n]  marker\n  base64(script)\n  caller's stdin...
 *
 * The reader skips lines up to the marker (so a password that sudo did not ask for is dropped, never
 * run), decodes the script and evals it; bash's `read` takes one byte at a time from a pipe, so what
 * follows is left intact for the command.
 */
import { randomBytes } from 'node:crypto';
import { InputError } from '../../errors.js';

export type SudoMode = 'none' | 'passwordless' | 'password';

export interface InvocationOptions {
  sudo: SudoMode;
  /** Required for sudo 'password'. */
  password?: string;
  env?: Record<string, string>;
  /**
   * When set, the command runs under coreutils `timeout -s KILL` with this deadline, so it dies even
   * when closing the channel cannot kill it (a root process under a non-root login).
   */
  remoteDeadlineMs?: number;
}

export interface Invocation {
  commandLine: string;
  /** Written to the channel before the caller's stdin. */
  preamble: Buffer;
}

/** POSIX single-quoting: safe for any value, including newlines and quotes. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function buildInvocation(command: string, opts: InvocationOptions): Invocation {
  const marker = `KSCTL-${randomBytes(12).toString('hex')}`;
  const reader =
    `while IFS= read -r __ksctl_l || exit 97; [ "$__ksctl_l" != ${marker} ]; do :; done; ` +
    `IFS= read -r __ksctl_p || exit 97; eval "$(printf %s "$__ksctl_p" | base64 -d)"`;
  const commandLine = `${sudoPrefix(opts.sudo)}bash -c ${shellQuote(reader)}`;

  const script = ['unset __ksctl_l __ksctl_p'];
  for (const [name, value] of Object.entries(opts.env ?? {})) {
    if (!ENV_NAME.test(name)) throw new InputError(`invalid environment variable name "${name}"`, ['env']);
    script.push(`export ${name}=${shellQuote(value)}`);
  }
  const deadline = opts.remoteDeadlineMs;
  if (deadline !== undefined && Number.isFinite(deadline) && deadline > 0) {
    script.push(`exec timeout -s KILL ${(deadline / 1000).toFixed(3)}s bash -c ${shellQuote(command)}`);
  } else {
    script.push(command);
  }

  const parts: string[] = [];
  if (opts.sudo === 'password') {
    const pw = opts.password ?? '';
    if (pw === '' || /[\r\n]/.test(pw)) {
      throw new InputError('the sudo password must be a single non-empty line', ['sudoPassword']);
    }
    parts.push(pw);
  }
  parts.push(marker, Buffer.from(script.join('\n'), 'utf8').toString('base64'), '');
  return { commandLine, preamble: Buffer.from(parts.join('\n'), 'utf8') };
}

function sudoPrefix(mode: SudoMode): string {
  switch (mode) {
    case 'none':
      return '';
    case 'passwordless':
      return 'sudo -n -- ';
    case 'password':
      // -k: always ask, so sudo always consumes the password line; -p '': no prompt in our stderr.
      return "sudo -k -S -p '' -- ";
  }
}
