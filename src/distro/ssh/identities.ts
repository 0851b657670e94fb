/**
 * Turning a machine's key files and the user's ssh-agent into what the handshake offers, the way
 * ssh(1) chooses: agent keys first (only those of the listed files with IdentitiesOnly), then each key
 * file in order. An encrypted key file whose key the agent already holds needs no passphrase; any
 * other is decrypted here, once, with a passphrase from the injected source. Every failure is an
 * InputError (exit 2) naming the file, raised before any machine is contacted; the passphrase itself
 * never appears in one.
 */
import { readFileSync } from 'node:fs';
import ssh2, { type ParsedKey } from 'ssh2';
import { InputError } from '../../errors.js';
import { agentKeys } from './agent.js';
import type { SshLogin } from './types.js';

export interface KeyFile {
  path: string;
  /** Named by the user (keyFile): missing is an error. From the config or the defaults: skipped, as ssh(1) does. */
  required: boolean;
}

export interface LoginRequest {
  /** Spec path for errors, e.g. `spec.machines[2]`. */
  field: string;
  files: KeyFile[];
  /** ssh-agent socket, or undefined for none. */
  agent?: string;
  identitiesOnly: boolean;
  /**
   * The passphrase of an encrypted key the agent does not hold; undefined = none available. `ask`
   * false: only one given without asking (the environment), as when agent keys may well log in.
   */
  passphrase(file: string, ask: boolean): Promise<string | undefined>;
}

const PASSPHRASE_HINT =
  'set KSCTL_SSH_KEY_PASSPHRASE, run ksctl on a terminal to be asked, or add the key to ssh-agent (ssh-add)';

export async function loadLogin(req: LoginRequest): Promise<SshLogin> {
  const inAgent = new Set(req.agent ? await agentKeys(req.agent) : []);
  // ssh(1) tries agent keys before it would ask for a passphrase: with agent keys on offer, a key file
  // the user did not name explicitly is skipped rather than prompted for (unless the environment has it).
  const agentMayDo = inAgent.size > 0 && !req.identitiesOnly;
  const keys: NonNullable<SshLogin['keys']> = [];
  const filePublic: string[] = [];
  for (const file of [...new Map(req.files.map((f) => [f.path, f])).values()]) {
    const text = readKey(file, req.field);
    if (text === undefined) continue;
    const plain = first(ssh2.utils.parseKey(text));
    if (!(plain instanceof Error)) {
      filePublic.push(plain.getPublicSSH().toString('base64'));
      keys.push({ file: file.path, key: plain });
      continue;
    }
    if (!/passphrase/i.test(plain.message)) {
      throw new InputError(`${req.field}: ${file.path} is not a private key ksctl can read (${plain.message})`, [
        req.field,
      ]);
    }
    const pub = publicBlobOf(file.path, text);
    if (pub) filePublic.push(pub);
    if (pub && inAgent.has(pub)) continue; // the agent signs with it: no passphrase needed
    const ask = file.required || !agentMayDo;
    const passphrase = await req.passphrase(file.path, ask);
    if (passphrase === undefined && !ask) continue;
    if (passphrase === undefined) {
      throw new InputError(`${req.field}: SSH key ${file.path} is encrypted and no passphrase was given`, [req.field], {
        hint: PASSPHRASE_HINT,
      });
    }
    const decrypted = first(ssh2.utils.parseKey(text, passphrase));
    if (decrypted instanceof Error) {
      throw new InputError(`${req.field}: wrong passphrase for SSH key ${file.path}`, [req.field], {
        hint: PASSPHRASE_HINT,
      });
    }
    keys.push({ file: file.path, key: decrypted });
  }
  const offered = req.identitiesOnly ? filePublic.filter((p) => inAgent.has(p)) : [...inAgent];
  const login: SshLogin = {
    ...(keys.length > 0 ? { keys } : {}),
    ...(req.agent && offered.length > 0
      ? { agent: req.agent, ...(req.identitiesOnly ? { agentKeys: offered } : {}) }
      : {}),
  };
  if (!login.keys && !login.agent) {
    const tried = req.files.map((f) => f.path).join(', ') || 'none';
    throw new InputError(
      `${req.field}: no usable SSH key (key files tried: ${tried}; ${agentNote(req, inAgent.size)})`,
      [req.field],
      {
        hint: 'set keyFile, add an IdentityFile for the host to ~/.ssh/config, or load a key into ssh-agent (ssh-add)',
      },
    );
  }
  return login;
}

function agentNote(req: LoginRequest, held: number): string {
  if (!req.agent) return 'no ssh-agent (SSH_AUTH_SOCK unset or IdentityAgent none)';
  if (held === 0) return `ssh-agent at ${req.agent} holds no key or cannot be reached`;
  return `IdentitiesOnly: none of the ${held} keys in ssh-agent belongs to those files`;
}

function readKey(file: KeyFile, field: string): string | undefined {
  try {
    return readFileSync(file.path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!file.required && (code === 'ENOENT' || code === 'EISDIR')) return undefined;
    throw new InputError(`${field}: cannot read SSH key ${file.path} (${code ?? (e as Error).message})`, [field]);
  }
}

function first(k: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  return Array.isArray(k) ? (k[0] ?? new Error('no key in file')) : k;
}

/**
 * The public key of an encrypted key file without decrypting it: `<file>.pub` (what ssh(1) reads),
 * else the public key OpenSSH's own format stores in clear ahead of the encrypted part.
 */
export function publicBlobOf(file: string, privateText: string): string | undefined {
  try {
    const b64 = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/)[1];
    if (b64) return b64;
  } catch {
    // no .pub beside it: read the key file's header
  }
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]+?)-----END OPENSSH PRIVATE KEY-----/.exec(privateText);
  if (!m) return undefined;
  const buf = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (buf.subarray(0, magic.length).toString('latin1') !== magic) return undefined;
  // ciphername, kdfname, kdfoptions (strings), number of keys (uint32), then the first public key (string).
  let off = magic.length;
  const str = (): Buffer => {
    const len = buf.readUInt32BE(off);
    const s = buf.subarray(off + 4, off + 4 + len);
    off += 4 + len;
    return s;
  };
  try {
    str();
    str();
    str();
    off += 4;
    return str().toString('base64');
  } catch {
    return undefined;
  }
}
