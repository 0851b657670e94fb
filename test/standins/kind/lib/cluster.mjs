// kind stand-in: cluster-level operations shared by the commands (kind's pkg/cluster Provider):
// delete, and reading / exporting a cluster's kubeconfig.
import net from 'node:net';
import { KindError, goQuote, wrap } from './errors.mjs';
import { encode, fromAdminConf, removeKind, writeMerged } from './kubeconfig.mjs';
import {
  API_SERVER_INTERNAL_PORT,
  apiServerNode,
  controlPlaneNodes,
  deleteNodes,
  execError,
  listNodes,
  readCluster,
} from './provider.mjs';

/** delete.Cluster: drop the kubeconfig entries, then the nodes; fine if nothing exists. */
export function deleteCluster(logger, name, explicitKubeconfig) {
  let nodes;
  try {
    nodes = listNodes(name);
  } catch (err) {
    throw wrap(err, 'error listing nodes');
  }
  let kubeconfigErr;
  try {
    removeKind(name, explicitKubeconfig);
  } catch (err) {
    kubeconfigErr = err;
    logger.error(`failed to update kubeconfig: ${err.message}`);
  }
  if (nodes.length) {
    deleteNodes(name, nodes);
    logger.info(`Deleted nodes: [${nodes.map((n) => goQuote(n.name)).join(' ')}]`);
  }
  if (kubeconfigErr) throw kubeconfigErr;
}

/** host:port the API server is published on (127.0.0.1:<random> unless the config set them). */
export function apiServerEndpoint(record) {
  const { address, port } = record.apiServer;
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The kind-<name> kubeconfig: external (host endpoint) or internal (node name:6443). */
function kindKubeconfig(name, external) {
  const nodes = listNodes(name);
  const controlPlanes = controlPlaneNodes(nodes);
  if (controlPlanes.length < 1) {
    throw new KindError(
      `could not locate any control plane nodes for cluster named '${name}'. ` +
        'Use the --name option to select a different cluster',
    );
  }
  const record = readCluster(name);
  if (!record?.kubeconfig) {
    const err = execError(
      controlPlanes[0],
      ['cat', '/etc/kubernetes/admin.conf'],
      'cat: /etc/kubernetes/admin.conf: No such file or directory\n',
    );
    throw wrap(err, 'failed to get cluster internal kubeconfig');
  }
  return fromAdminConf(record.kubeconfig, name, external ? `https://${apiServerEndpoint(record)}` : '');
}

export const kubeconfigText = (name, internal) => encode(kindKubeconfig(name, !internal));

export function exportKubeconfig(name, explicitKubeconfig, internal) {
  writeMerged(kindKubeconfig(name, !internal), explicitKubeconfig);
}

/** admin.conf as kubeadm writes it on the control plane (server = the internal endpoint). */
export function adminConf(clusterName, nodes, creds) {
  return encode({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: clusterName,
        cluster: {
          'certificate-authority-data': creds.caData,
          server: `https://${apiServerNode(nodes).name}:${API_SERVER_INTERNAL_PORT}`,
        },
      },
    ],
    users: [
      {
        name: 'kubernetes-admin',
        user: { 'client-certificate-data': creds.certData, 'client-key-data': creds.keyData },
      },
    ],
    contexts: [
      { name: `kubernetes-admin@${clusterName}`, context: { cluster: clusterName, user: 'kubernetes-admin' } },
    ],
    'current-context': `kubernetes-admin@${clusterName}`,
  });
}
