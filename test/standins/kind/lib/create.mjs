// kind stand-in: `kind create cluster` (kind's internal/create.Cluster), phase by phase with
// kind's status lines. Nodes are recorded at "Preparing nodes" and admin.conf at "Starting
// control-plane", so an interrupted create leaves nodes behind like real kind does; a failed
// create deletes them (and the cluster's kubeconfig entries) unless --retain.
//   KIND_STANDIN_CREATE_DELAY_MS=N  each phase takes N ms
//   KIND_STANDIN_FAIL_CREATE=1      "kubeadm init" fails on the bootstrap control plane
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminCredentials } from './certs.mjs';
import { adminConf, deleteCluster, exportKubeconfig } from './cluster.mjs';
import { loadConfig, validateConfig } from './config.mjs';
import { formatSeconds } from './duration.mjs';
import { KindError, goQuote, runError, shellQuote, wrap } from './errors.mjs';
import { contextFor } from './kubeconfig.mjs';
import { Status } from './log.mjs';
import { LB_ROLE, controlPlaneNodes, execError, listNodes, nameNodes, provision, updateCluster } from './provider.mjs';

const HOSTNAME_MAX = 64;
const SALUTATIONS = [
  'Have a nice day! 👋',
  'Thanks for using kind! 😊',
  'Not sure what to do next? 😅  Check out https://kind.sigs.k8s.io/docs/user/quick-start/',
  'Have a question, bug, or feature request? Let us know! https://kind.sigs.k8s.io/#community 🙂',
];

const envFlag = (name) => !!process.env[name] && process.env[name] !== '0';

function freePort(host) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, net.isIPv6(host) ? '::1' : '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function dockerRunError(node, clusterName) {
  const argv = [
    'docker',
    'run',
    '--name',
    node.name,
    '--hostname',
    node.name,
    '--label',
    `io.x-k8s.kind.role=${node.role}`,
    '--privileged',
    '--security-opt',
    'seccomp=unconfined',
    '--security-opt',
    'apparmor=unconfined',
    '--tmpfs',
    '/tmp',
    '--tmpfs',
    '/run',
    '--volume',
    '/var',
    '--volume',
    '/lib/modules:/lib/modules:ro',
    '--detach',
    '--tty',
    '--label',
    `io.x-k8s.kind.cluster=${clusterName}`,
    '--net',
    'kind',
    '--restart=on-failure:1',
    '--init=false',
    node.image,
  ];
  return runError(
    argv,
    'docker: Error response from daemon: failed to create task for container: failed to create shim task: ' +
      'OCI runtime create failed: runc create failed: unable to start container process: error during container init: ' +
      'sethostname: invalid argument: unknown.\n',
    125,
  );
}

function kubeadmInitError(node, image) {
  const version = /:(v[\d.]+)/.exec(image)?.[1] ?? 'v1.32.2';
  return wrap(
    execError(
      node,
      ['kubeadm', 'init', '--config=/kind/kubeadm.conf', '--skip-token-print', '--v=6'],
      [
        'I0101 00:00:00.000000     214 initconfiguration.go:261] loading configuration from "/kind/kubeadm.conf"',
        `[init] Using Kubernetes version: ${version}`,
        '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"',
        '[kubelet-check] The kubelet is not healthy after 4m0.000498451s',
        'error execution phase wait-control-plane: could not initialize a Kubernetes cluster',
        'To see the stack trace of this error execute with --v=5 or higher',
        '(failure injected by the kind stand-in: KIND_STANDIN_FAIL_CREATE)',
        '',
      ].join('\n'),
    ),
    'failed to init node with kubeadm',
  );
}

/** flags: { name, config, image, retain, waitMs, kubeconfig } */
export async function createCluster(logger, flags) {
  const cfg = loadConfig(flags.config);
  if (flags.name) cfg.name = flags.name;
  if (flags.image) for (const n of cfg.nodes) n.image = flags.image;
  const name = cfg.name;

  if (listNodes(name).length) throw new KindError(`node(s) already exist for a cluster with the name ${goQuote(name)}`);
  if (name.length > 50)
    logger.warn(`cluster name ${goQuote(name)} is probably too long, this might not work properly on some systems`);
  validateConfig(cfg);

  const status = new Status(logger);
  const delay = Number(process.env.KIND_STANDIN_CREATE_DELAY_MS) || 0;
  // each phase does its work (if any) and then takes KIND_STANDIN_CREATE_DELAY_MS
  const phase = async (label, work = () => {}) => {
    status.start(label);
    await work();
    if (delay > 0) await sleep(delay);
  };
  logger.info(`Creating cluster ${goQuote(name)} ...\n`);

  const nodes = nameNodes(name, cfg.nodes);
  const failed = (err) => {
    status.end(false);
    if (!flags.retain) {
      try {
        deleteCluster(logger, name, flags.kubeconfig);
      } catch {
        /* kind ignores cleanup errors */
      }
    }
    return err;
  };

  // provider.Provision
  for (const image of [...new Set(cfg.nodes.map((n) => n.image))].sort()) {
    await phase(`Ensuring node image (${image.split('@sha256:')[0]}) 🖼`);
  }
  const { apiServerAddress: address, apiServerPort } = cfg.networking;
  const record = {
    name,
    createdAt: new Date().toISOString(),
    nodes,
    apiServer: { address, port: apiServerPort },
    kubeconfig: null,
  };
  await phase(`Preparing nodes ${'📦 '.repeat(cfg.nodes.length)}`, async () => {
    if (apiServerPort <= 0) record.apiServer.port = await freePort(address);
    if (!provision(record)) {
      throw failed(
        runError(
          ['docker', 'run', '--name', nodes[0].name],
          'docker: Error response from daemon: Conflict. ' +
            `The container name "/${nodes[0].name}" is already in use. You have to remove (or rename) that container to be able to reuse that name.\n`,
          125,
        ),
      );
    }
    const tooLong = nodes.find((n) => n.name.length > HOSTNAME_MAX);
    if (tooLong) throw failed(dockerRunError(tooLong, name));
  });

  // actions
  const [bootstrap, ...secondaries] = controlPlaneNodes(nodes);
  if (nodes.some((n) => n.role === LB_ROLE)) await phase('Configuring the external load balancer ⚖️');
  await phase('Writing configuration 📜');
  await phase('Starting control-plane 🕹️', async () => {
    record.kubeconfig = adminConf(name, nodes, await adminCredentials());
    updateCluster(record);
  });
  if (envFlag('KIND_STANDIN_FAIL_CREATE')) throw failed(kubeadmInitError(bootstrap, bootstrap.image));
  if (!cfg.networking.disableDefaultCNI) await phase('Installing CNI 🔌');
  await phase('Installing StorageClass 💾');
  if (secondaries.length) await phase('Joining more control-plane nodes 🎮');
  if (nodes.some((n) => n.role === 'worker')) await phase('Joining worker nodes 🚜');
  if (flags.waitMs !== 0) {
    const started = Date.now();
    await phase(`Waiting ≤ ${formatSeconds(flags.waitMs)} for control-plane = Ready ⏳`);
    status.end(flags.waitMs > 0);
    logger.info(
      flags.waitMs > 0
        ? ` • Ready after ${formatSeconds(Date.now() - started)} 💚`
        : ' • WARNING: Timed out waiting for Ready ⚠️',
    );
  }
  status.end(true);

  // kubeconfig.Export, retried for lock contention like kind
  let lastErr;
  for (const backoff of [0, 1, 50, 100]) {
    await sleep(backoff);
    try {
      exportKubeconfig(name, flags.kubeconfig, false);
      lastErr = undefined;
      break;
    } catch (err) {
      lastErr = err;
    }
  }
  if (lastErr) throw lastErr;

  const kctx = contextFor(name);
  const sample = `kubectl cluster-info --context ${kctx}${flags.kubeconfig ? ` --kubeconfig ${shellQuote(flags.kubeconfig)}` : ''}`;
  logger.info(`Set kubectl context to "${kctx}"`);
  logger.info(`You can now use your cluster with:\n\n${sample}`);
  logger.info('');
  logger.info(SALUTATIONS[Math.floor(Math.random() * SALUTATIONS.length)]);
}
