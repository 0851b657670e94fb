/**
 * The user's ssh-agent (SSH_AUTH_SOCK): which keys it holds, and an agent that offers only some of
 * them (OpenSSH's IdentitiesOnly: the agent may sign only for the configured identity files).
 */
import ssh2, { type BaseAgent, type ParsedKey, type SignCallback, type SigningRequestOptions } from 'ssh2';

// OpenSSHAgent answers with parsed keys (ssh2's lib/agent.js); the typings allow more shapes.
const blob = (k: unknown): string => (k as ParsedKey).getPublicSSH().toString('base64');

/**
 * Public key blobs (base64) the agent at `socket` holds; empty when it cannot be reached, as ssh(1)
 * carries on without it.
 */
export function agentKeys(socket: string): Promise<string[]> {
  return new Promise((resolve) => {
    const agent = new ssh2.OpenSSHAgent(socket);
    agent.getIdentities((err, keys) => resolve(err || !keys ? [] : keys.map(blob)));
  });
}

/** The agent at `socket`, offering only the keys in `allowed` (base64 blobs). */
export function restrictedAgent(socket: string, allowed: readonly string[]): BaseAgent {
  const inner = new ssh2.OpenSSHAgent(socket);
  const only = new Set(allowed);
  class OnlyTheseKeys extends ssh2.BaseAgent<ParsedKey> {
    getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
      inner.getIdentities((err, keys) =>
        cb(err ?? undefined, keys?.filter((k) => only.has(blob(k))) as ParsedKey[] | undefined),
      );
    }
    sign(pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
      if (typeof options === 'function') inner.sign(pubKey, data, options);
      else inner.sign(pubKey, data, options, cb);
    }
  }
  return new OnlyTheseKeys();
}
