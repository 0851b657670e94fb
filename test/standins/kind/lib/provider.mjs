// kind stand-in: the "docker provider". Real kind finds its nodes with `docker ps` and talks to
// them with `docker exec`; here the nodes are records in state.mjs. Failures are reported with
// the docker command kind would have run, and DOCKER_STANDIN_DOWN=1 (shared with the docker
// stand-in) makes every docker call fail like a daemon that is not running.
import { runError, wrap } from './errors.mjs';
import * as state from './state.mjs';

const CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const LB_ROLE = 'external-load-balancer';
export const LB_IMAGE = 'docker.io/kindest/haproxy:v20230606-42a2262b';
export const API_SERVER_INTERNAL_PORT = 6443;
const DAEMON_DOWN =
  'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n';

export const dockerIsDown = () => !!process.env.DOCKER_STANDIN_DOWN && process.env.DOCKER_STANDIN_DOWN !== '0';

function docker(argv) {
  if (dockerIsDown()) throw runError(['docker', ...argv], DAEMON_DOWN);
}

/** Sorted names of clusters that have nodes (`docker ps -a --filter label=...`). */
export function listClusters() {
  try {
    docker(['ps', '-a', '--filter', `label=${CLUSTER_LABEL}`, '--format', `{{.Label "${CLUSTER_LABEL}"}}`]);
  } catch (err) {
    throw wrap(err, 'failed to list clusters');
  }
  return state.listClusterNames();
}

/** The cluster's nodes [{ name, role, image }], [] when it has none. */
export function listNodes(cluster) {
  try {
    docker(['ps', '-a', '--filter', `label=${CLUSTER_LABEL}=${cluster}`, '--format', '{{.Names}}']);
  } catch (err) {
    throw wrap(err, 'failed to list nodes');
  }
  return state.readCluster(cluster)?.nodes ?? [];
}

export const readCluster = (name) => state.readCluster(name);
export const updateCluster = (record) => state.updateCluster(record);

/** "Creates the containers": false when nodes of that cluster already exist. */
export function provision(record) {
  return state.createCluster(record);
}

export function deleteNodes(cluster, nodes) {
  docker(['rm', '-f', '-v', ...nodes.map((n) => n.name)]);
  state.removeCluster(cluster);
}

/** common.MakeNodeNamer: kind-control-plane, kind-control-plane2, kind-worker, kind-worker2... */
export function nameNodes(clusterName, nodes) {
  const counter = new Map();
  const name = (role) => {
    const count = (counter.get(role) ?? 0) + 1;
    counter.set(role, count);
    return `${clusterName}-${role}${count > 1 ? count : ''}`;
  };
  const named = nodes.map((n) => ({
    name: name(n.role),
    role: n.role,
    image: n.image,
    ...(n.labels ? { labels: n.labels } : {}),
  }));
  if (nodes.filter((n) => n.role === 'control-plane').length > 1) {
    named.push({ name: name(LB_ROLE), role: LB_ROLE, image: LB_IMAGE });
  }
  return named;
}

/** nodeutils.ControlPlaneNodes: control-plane nodes sorted by name. */
export function controlPlaneNodes(nodes) {
  return nodes.filter((n) => n.role === 'control-plane').sort((a, b) => a.name.localeCompare(b.name));
}

/** The node that serves the API on the host: the load balancer if any, else the control plane. */
export function apiServerNode(nodes) {
  return nodes.find((n) => n.role === LB_ROLE) ?? controlPlaneNodes(nodes)[0];
}

/** `docker exec --privileged NODE ...` failing the way it would inside a real node. */
export function execError(node, argv, output, status = 1) {
  return runError(['docker', 'exec', '--privileged', node.name, ...argv], output, status);
}
