// TEST STAND-IN support (not shipped): kubeconfig files in the exact shape k3s and kubeadm
// write them (YAML, embedded *-data fields), and reading them back for the stand-ins' own clients.
import { parse, stringify } from './yaml-lite.mjs';
import { readFile, writeFile } from './paths.mjs';

const b64 = (s) => Buffer.from(s).toString('base64');

/** Kubeconfig text. name: cluster/user/context naming ("default" for k3s; kubeadm uses kubernetes/kubernetes-admin). */
export function kubeconfigText({
  server,
  ca,
  cert,
  key,
  token,
  cluster = 'default',
  user = 'default',
  context = 'default',
}) {
  const u = token ? { token } : { 'client-certificate-data': b64(cert), 'client-key-data': b64(key) };
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': b64(ca), server }, name: cluster }],
    contexts: [{ context: { cluster, user }, name: context }],
    'current-context': context,
    kind: 'Config',
    preferences: {},
    users: [{ name: user, user: u }],
  });
}

export function writeKubeconfig(path, opts, mode = 0o600) {
  return writeFile(path, kubeconfigText(opts), mode);
}

/** { server, ca, cert, key, token } of the current context of a kubeconfig file (host path). */
export function readKubeconfig(path) {
  const kc = parse(readFile(path));
  const ctx = kc.contexts.find((c) => c.name === kc['current-context'])?.context ?? kc.contexts[0].context;
  const cl = kc.clusters.find((c) => c.name === ctx.cluster).cluster;
  const us = kc.users.find((u) => u.name === ctx.user).user;
  const unb64 = (s) => (s ? Buffer.from(s, 'base64').toString() : undefined);
  return {
    server: cl.server,
    ca: unb64(cl['certificate-authority-data']),
    cert: unb64(us['client-certificate-data']),
    key: unb64(us['client-key-data']),
    token: us.token,
  };
}
