/**
 * What actually runs remotely for one exec. The command line sshd sees (and `ps` shows) holds only a
 * fixed reader; the sudo password, the exported environment and the caller's command travel on stdin,
 * ahead of the caller's own stdin:
 *
 *     [password\n \n\n\n\n]  marker\n  script-on-one-line\n  caller's stdin...
 *
 * The reader skips lines up to the marker (so a password that sudo did not ask for is dropped, never
 * run), reads the script line and evals it; bash's `read` takes one byte at a time from a pipe, so what
 * follows is left intact for the command. The script is plain bash with every value $'...'-quoted, so
 * running it costs no extra process.
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

/** Bash ANSI-C quoting ($'...'): any value on one line, with newlines and quotes escaped. */
export function ansiQuote(value: string): string {
  const body = value
    .replace(/[\\']/g, (c) => `\\${c}`)
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this escapes
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `$'${body}'`;
}

const PASSWORD_PADDING = 4;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function buildInvocation(command: string, opts: InvocationOptions): Invocation {
  const marker = `KSCTL-${randomBytes(12).toString('hex')}`;
  const reader =
    `while IFS= read -r __ksctl_l || exit 97; [ "$__ksctl_l" != ${marker} ]; do :; done; ` +
    `IFS= read -r __ksctl_p || exit 97; eval "$__ksctl_p"`;
  const commandLine = `${sudoPrefix(opts.sudo)}bash -c ${shellQuote(reader)}`;

  const script = ['unset __ksctl_l __ksctl_p'];
  for (const [name, value] of Object.entries(opts.env ?? {})) {
    if (!ENV_NAME.test(name)) throw new InputError(`invalid environment variable name "${name}"`, ['env']);
    script.push(`export ${name}=${ansiQuote(value)}`);
  }
  const deadline = opts.remoteDeadlineMs;
  if (deadline !== undefined && Number.isFinite(deadline) && deadline > 0) {
    script.push(`exec timeout -s KILL ${(deadline / 1000).toFixed(3)}s bash -c ${ansiQuote(command)}`);
  } else {
    script.push(`eval ${ansiQuote(command)}`);
  }

  const parts: string[] = [];
  if (opts.sudo === 'password') {
    const pw = opts.password ?? '';
    if (pw === '' || /[\r\n]/.test(pw)) {
      throw new InputError('the sudo password must be a single non-empty line', ['sudoPassword']);
    }
    // A wrong password makes sudo read more lines as new attempts (passwd_tries, 3 by default): give it
    // empty lines to fail on, never the script line with the environment's values.
    parts.push(pw, ...Array<string>(PASSWORD_PADDING).fill(''));
  }
  parts.push(marker, script.join('; '), '');
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
