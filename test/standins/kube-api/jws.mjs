// TEST STAND-IN support (not shipped): the detached JWS (HS256, key = bootstrap token secret,
// kid = token id) that the bootstrap signer puts in kube-public/cluster-info as
// "jws-kubeconfig-<id>", and that `kubeadm join` checks to trust the API server it discovered.
import crypto from 'node:crypto';

const b64url = (b) => Buffer.from(b).toString('base64url');

/** "header..signature" over payload (the cluster-info kubeconfig text). */
export function detachedJWS(payload, tokenId, tokenSecret) {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const sig = crypto.createHmac('sha256', tokenSecret).update(`${header}.${b64url(payload)}`).digest('base64url');
  return `${header}..${sig}`;
}

export function detachedJWSValid(jws, payload, tokenId, tokenSecret) {
  const expected = detachedJWS(payload, tokenId, tokenSecret);
  return jws.length === expected.length && crypto.timingSafeEqual(Buffer.from(jws), Buffer.from(expected));
}
