/**
 * What an SSH endpoint may look like (a machine of the ssh provider, the bastion, `add worker`'s
 * flags): checked up front, so a hostile value (`1.2.3.4; touch /tmp/x`, a user `root;id`, a key file
 * `/etc/shadow`) is refused with exit 2 before it reaches a script, a connection or the state.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  MAX_ADDRESS_LENGTH,
  MAX_HOST_KEY_LENGTH,
  MAX_KEY_FILE_BYTES,
  MAX_PATH_LENGTH,
  MAX_USER_LENGTH,
} from './limits.js';
import { quote } from './quote.js';
import { expandHome } from '../util/home.js';
import type { Issue } from './validate.js';

/**
 * A DNS name (labels of letters, digits and '-', '.'-separated; '_' is tolerated because resolvers and
 * ssh_config aliases accept it) or an IPv4/IPv6 literal.
 */
const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?)*\.?$/;

export function isHostAddress(v: string): boolean {
  if (v.length > MAX_ADDRESS_LENGTH) return false;
  if (isIP(v) !== 0) return true;
  // All-numeric dotted names are IPv4 typos (1.2.3.999), not host names.
  if (/^[\d.]+$/.test(v)) return false;
  return DNS_NAME.test(v);
}

/** POSIX user names: the portable filename set, not starting with '-' (useradd's NAME_REGEX, plus '.'). */
const POSIX_USER = /^[A-Za-z_][A-Za-z0-9._-]*\$?$/;

export function isPosixUser(v: string): boolean {
  return v.length <= MAX_USER_LENGTH && POSIX_USER.test(v);
}

const PRIVATE_KEY = /-----BEGIN (?:OPENSSH |RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----/;

/**
 * Why `file` is not a usable private key, or undefined when it is one: a regular, readable file of at
 * most MAX_KEY_FILE_BYTES holding a PEM or OpenSSH private key. The content never appears in the
 * answer (it may be a secret, or /etc/shadow).
 */
export function keyFileProblem(file: string): string | undefined {
  if (file.length === 0 || file.length > MAX_PATH_LENGTH || file.includes('\0'))
    return `must be a path of 1-${MAX_PATH_LENGTH} characters without NUL bytes`;
  const full = expandHome(file);
  let fd: number;
  try {
    fd = openSync(full, 'r');
  } catch (e) {
    return `cannot read ${quote(full)} (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return `${quote(full)} is not a regular file`;
    if (st.size > MAX_KEY_FILE_BYTES)
      return `${quote(full)} is ${st.size} bytes; a private key is at most ${MAX_KEY_FILE_BYTES}`;
    const buf = Buffer.alloc(Math.min(st.size, MAX_KEY_FILE_BYTES));
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (!PRIVATE_KEY.test(buf.subarray(0, n).toString('latin1')))
      return `${quote(full)} is not a private key (expected "-----BEGIN ... PRIVATE KEY-----")`;
    return undefined;
  } catch (e) {
    return `cannot read ${quote(full)} (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  } finally {
    closeSync(fd);
  }
}

export interface EndpointInput {
  address?: string;
  privateAddress?: string;
  user?: string;
  port?: number;
  keyFile?: string;
  hostKey?: string;
}

/** Problems with one endpoint, each under `prefix` (e.g. `spec.machines[2]`, or '' for flags). */
export function checkEndpoint(
  prefix: string,
  e: EndpointInput,
  fieldName: (f: string) => string = (f) => `${prefix}.${f}`,
): Issue[] {
  const issues: Issue[] = [];
  const add = (f: string, message: string) => issues.push({ path: fieldName(f), message });
  if (!e.address) add('address', 'is required');
  else if (!isHostAddress(e.address)) add('address', `${quote(e.address)} is not an IP address or DNS name`);
  if (e.privateAddress !== undefined && !isHostAddress(e.privateAddress))
    add('privateAddress', `${quote(e.privateAddress)} is not an IP address or DNS name`);
  if (e.user !== undefined && !isPosixUser(e.user)) {
    add(
      'user',
      `${quote(e.user)} is not a POSIX user name: letters, digits, '.', '_' and '-', not starting with '-' or a digit, at most ${MAX_USER_LENGTH} characters`,
    );
  }
  if (e.port !== undefined && (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535))
    add('port', `must be 1-65535, got ${quote(e.port)}`);
  if (e.keyFile !== undefined) {
    const problem = keyFileProblem(e.keyFile);
    if (problem) add('keyFile', problem);
  }
  if (
    e.hostKey !== undefined &&
    (e.hostKey.length > MAX_HOST_KEY_LENGTH ||
      !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( [^\0\n\r]*)?$/.test(e.hostKey))
  ) {
    add('hostKey', 'must be a public key line like "ssh-ed25519 AAAA..."');
  }
  return issues;
}
