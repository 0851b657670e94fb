/**
 * The SSH executor's contract. Distribution code runs scripts through this and never touches ssh2
 * directly, so tests and `--dry-run` see the same calls.
 */
import type { Writable } from 'node:stream';
import type { ParsedKey } from 'ssh2';
/** Login beyond one private key: more key files and the user's ssh-agent (the ssh provider; identities.ts). */
export interface SshLogin {
  /**
   * Private keys offered after `privateKey`, in order: parsed (and decrypted) once, so an encrypted
   * key's KDF does not run again for every connection. `file` names it in the pool's identity.
   */
  keys?: { file: string; key: ParsedKey }[];
  /** ssh-agent socket (SSH_AUTH_SOCK); its keys are offered first. */
  agent?: string;
  /** IdentitiesOnly: the only agent keys to offer (base64 public key blobs). */
  agentKeys?: string[];
}

export interface SshTarget extends SshLogin {
  /** Machine name, used in messages and logs. */
  name: string;
  host: string;
  port: number;
  user: string;
  /** OpenSSH or PEM private key text (never logged); may be absent when `keys` or `agent` log in. */
  privateKey?: string;
  passphrase?: string;
  /** Expected host keys (`ssh-ed25519 AAAA...`). Empty: accept the first key and report it (pinned after). */
  hostKeys: string[];
  /** Password for sudo when the user is not root and sudo is not passwordless. */
  sudoPassword?: string;
  /** Optional jump host. */
  bastion?: Omit<SshTarget, 'bastion' | 'sudoPassword'>;
}

export interface ExecOptions {
  /** Run as root through sudo when the user is not root. Default true. */
  sudo?: boolean;
  /**
   * Per-command timeout in ms (default 10 min; 0 disables). On expiry the channel is closed and the
   * remote process group killed by a coreutils `timeout` deadline a moment later.
   */
  timeoutMs?: number;
  /** Standard input for the command (scripts are piped, not put on the command line). */
  stdin?: string | Buffer;
  /** Environment exported before the command (values never logged). */
  env?: Record<string, string>;
  /** Called for each line of output as it arrives (CR stripped, secrets redacted). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Aborting closes the channel; the remote command then dies on its next write or at its deadline. */
  signal?: AbortSignal;
  /**
   * Values to redact from output lines, logs and errors (tokens passed to the script). The returned
   * ExecResult stays unredacted: callers read tokens with exec.
   */
  secrets?: string[];
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface UploadOptions {
  mode?: number;
  owner?: string; // "user:group", applied with sudo
  sudo?: boolean;
}

/** What an upload writes: text, bytes, or a local file read in chunks (large files: snapshots). */
export type UploadData = string | Buffer | { file: string };

export interface SshSession {
  readonly target: SshTarget;
  /** The host key the server presented (`ssh-ed25519 AAAA...`), after connect. */
  readonly hostKey: string;
  /**
   * Runs a command (through `sudo` when the user is not root, unless `sudo: false`); throws
   * ProviderError with the stderr tail on a non-zero exit unless `allowFailure`.
   */
  exec(command: string, opts?: ExecOptions & { allowFailure?: boolean }): Promise<ExecResult>;
  upload(remotePath: string, data: UploadData, opts?: UploadOptions): Promise<void>;
  download(remotePath: string, opts?: { sudo?: boolean }): Promise<Buffer>;
  /**
   * Streams a remote file into `sink` as it arrives (bounded memory; the sink is left open) and
   * resolves with the bytes written.
   */
  downloadTo(remotePath: string, sink: Writable, opts?: { sudo?: boolean; signal?: AbortSignal }): Promise<number>;
  close(): void;
}

/** One reused connection per machine. */
export interface SshPool {
  session(target: SshTarget, opts?: { signal?: AbortSignal; maxWaitMs?: number }): Promise<SshSession>;
  closeAll(): void;
}
