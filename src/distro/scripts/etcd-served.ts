/**
 * Waits until an etcd member serves the certificates it was given (client and peer listeners), by the
 * sha256 of each certificate's DER as seen in a TLS handshake. `systemctl restart --no-block` returns
 * before the old process has gone, so "healthy" alone could still be the old member answering; a
 * renewal moves to the next member only once this one runs with its new files.
 */
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, ETCD_PKI_DIR, ETCD_UNIT } from './etcd.js';
import { makeScript, shellQuote } from './common.js';
import type { Script } from './types.js';

export interface EtcdServedInput {
  name: string;
  address: string;
  clientPort?: number;
  peerPort?: number;
  /** sha256 (hex) of the DER of the expected server and peer certificates. */
  serverSha256: string;
  peerSha256: string;
  timeoutSeconds?: number;
}

export function etcdServedCertsScript(input: EtcdServedInput): Script {
  for (const v of [input.serverSha256, input.peerSha256])
    if (!/^[0-9a-f]{64}$/.test(v)) throw new Error(`not a sha256: ${v}`);
  // s_client takes IPv6 in brackets.
  const host = input.address.includes(':') ? `[${input.address}]` : input.address;
  const served = (port: number) =>
    `openssl s_client -connect ${shellQuote(`${host}:${port}`)} -cert ${ETCD_PKI_DIR}/server.crt -key ${ETCD_PKI_DIR}/server.key </dev/null 2>/dev/null | openssl x509 -outform der 2>/dev/null | sha256sum | cut -d' ' -f1`;
  return makeScript({
    name: 'etcd-served-certs',
    description: `etcd member ${input.name} serves its new certificates`,
    body: [
      'serves_new() {',
      `  [ "$(${served(input.clientPort ?? ETCD_CLIENT_PORT)})" = ${input.serverSha256} ] &&`,
      `    [ "$(${served(input.peerPort ?? ETCD_PEER_PORT)})" = ${input.peerSha256} ]`,
      '}',
      `if ! wait_for ${input.timeoutSeconds ?? 300} 2 "etcd member ${input.name} to serve its new certificates" serves_new; then`,
      `  journalctl -u ${ETCD_UNIT} -n 40 --no-pager >&2 || true # diagnostics only`,
      `  die "etcd member ${input.name} still serves other certificates"`,
      'fi',
      `log "etcd member ${input.name} serves its new certificates"`,
    ],
  });
}
