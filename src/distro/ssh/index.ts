/** The SSH executor: `new Ssh2Pool(opts)` gives sessions that run commands and move files on machines. */
export type { ExecOptions, ExecResult, SshPool, SshSession, SshTarget, UploadOptions } from './types.js';
export { Ssh2Pool, type SshPoolOptions } from './pool.js';
export { fingerprint, hostKeyLine } from './hostkey.js';
export { shellQuote } from './command.js';
