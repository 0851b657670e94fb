// kind stand-in: the command tree of kind v0.27.0 (names, help texts, flags, argument rules
// as in kind's cobra definitions) and what each command does. Parsing lives in cli.mjs.
import { deleteCluster, exportKubeconfig, kubeconfigText } from './cluster.mjs';
import { createCluster } from './create.mjs';
import { DEFAULT_NAME } from './config.mjs';
import { KindError, wrap } from './errors.mjs';
import { listClusters, listNodes } from './provider.mjs';

export const VERSION = '0.27.0';
const ARCH = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
const displayVersion = () => `kind v${VERSION} go1.23.6 ${process.platform}/${ARCH[process.arch] ?? process.arch}`;

const KUBECONFIG = {
  name: 'kubeconfig',
  type: 'string',
  default: '',
  usage: 'sets kubeconfig path instead of $KUBECONFIG or $HOME/.kube/config',
};
const INTERNAL = { name: 'internal', type: 'bool', default: false, usage: 'use internal address instead of external' };
const nameFlag = (def, usage) => ({ name: 'name', short: 'n', type: 'string', default: def, usage });

/** cli.OverrideDefaultName: KIND_CLUSTER_NAME applies only when --name was not given. */
const clusterName = ({ flags, changed }) => (!changed.has('name') && process.env.KIND_CLUSTER_NAME) || flags.name;

/** A real kind command the stand-in does not do: accepts anything, fails with exit 1. */
const stub = (name, short, path, extra = {}) => ({
  name,
  short,
  raw: true,
  ...extra,
  run: () => {
    throw new KindError(`the kind stand-in does not implement "${path}" (see test/standins/kind/README.md)`);
  },
});

const group = (name, short, long, children) => ({ name, short, long, children });

export const root = {
  name: 'kind',
  short: 'kind is a tool for managing local Kubernetes clusters',
  long: "kind creates and manages local Kubernetes clusters using Docker container 'nodes'",
  version: VERSION,
  persistentFlags: [
    {
      name: 'verbosity',
      short: 'v',
      type: 'int32',
      default: 0,
      usage: 'info log verbosity, higher value produces more output',
    },
    { name: 'quiet', short: 'q', type: 'bool', default: false, usage: 'silence all stderr output' },
  ],
  children: [
    stub('build', 'Build one of [node-image]', 'kind build'),
    stub('completion', 'Output shell completion code for the specified shell (bash, zsh or fish)', 'kind completion'),
    group('create', 'Creates one of [cluster]', 'Creates one of local Kubernetes cluster (cluster)', [
      {
        name: 'cluster',
        short: 'Creates a local Kubernetes cluster',
        long: "Creates a local Kubernetes cluster using Docker container 'nodes'",
        noArgs: true,
        flags: [
          nameFlag('', 'cluster name, overrides KIND_CLUSTER_NAME, config (default kind)'),
          { name: 'config', type: 'string', default: '', usage: 'path to a kind config file' },
          { name: 'image', type: 'string', default: '', usage: 'node docker image to use for booting the cluster' },
          {
            name: 'retain',
            type: 'bool',
            default: false,
            usage: 'retain nodes for debugging when cluster creation fails',
          },
          { name: 'wait', type: 'duration', default: 0, usage: 'wait for control plane node to be ready (default 0s)' },
          KUBECONFIG,
        ],
        run: (ctx) =>
          createCluster(ctx.logger, {
            ...ctx.flags,
            name: clusterName(ctx),
            waitMs: ctx.flags.wait,
          }).catch((err) => {
            throw wrap(err, 'failed to create cluster');
          }),
      },
    ]),
    group('delete', 'Deletes one of [cluster]', 'Deletes one of [cluster]', [
      {
        name: 'cluster',
        short: 'Deletes a cluster',
        long: 'Deletes a Kind cluster from the system.',
        noArgs: true,
        flags: [nameFlag(DEFAULT_NAME, 'the cluster name'), KUBECONFIG],
        run: (ctx) => {
          const name = clusterName(ctx);
          ctx.logger.info(`Deleting cluster "${name}" ...`);
          try {
            deleteCluster(ctx.logger, name, ctx.flags.kubeconfig);
          } catch (err) {
            throw wrap(err, `failed to delete cluster "${name}"`);
          }
        },
      },
      {
        name: 'clusters',
        short: 'Deletes one or more clusters',
        long: 'Deletes one or more Kind clusters from the system.',
        anyArgs: true,
        flags: [KUBECONFIG, { name: 'all', short: 'A', type: 'bool', default: false, usage: 'delete all clusters' }],
        run: ({ flags, args, logger }) => {
          if (!flags.all && args.length === 0) throw new KindError('no cluster names provided');
          let names = args;
          if (flags.all) {
            try {
              names = listClusters();
            } catch (err) {
              throw wrap(err, 'failed listing clusters for delete');
            }
          }
          const deleted = [];
          for (const name of names) {
            try {
              deleteCluster(logger, name, flags.kubeconfig);
              deleted.push(name);
            } catch (err) {
              logger.info(`failed to delete cluster "${name}": ${err.message}\n`);
            }
          }
          logger.info(`Deleted clusters: [${deleted.map((n) => JSON.stringify(n)).join(' ')}]`);
        },
      },
    ]),
    group('export', 'Exports one of [kubeconfig, logs]', 'Exports one of [kubeconfig, logs]', [
      {
        name: 'kubeconfig',
        short: 'Exports cluster kubeconfig',
        long: 'Exports cluster kubeconfig',
        noArgs: true,
        flags: [nameFlag(DEFAULT_NAME, 'the cluster context name'), KUBECONFIG, INTERNAL],
        run: (ctx) => {
          const name = clusterName(ctx);
          exportKubeconfig(name, ctx.flags.kubeconfig, ctx.flags.internal);
          ctx.logger.info(`Set kubectl context to "kind-${name}"`);
        },
      },
      stub('logs', 'Exports logs to a tempdir or [output-dir] if specified', 'kind export logs', {
        use: 'logs [output-dir]',
      }),
    ]),
    group('get', 'Gets one of [clusters, nodes, kubeconfig]', 'Gets one of [clusters, nodes, kubeconfig]', [
      {
        name: 'clusters',
        short: 'Lists existing kind clusters by their name',
        long: 'Lists existing kind clusters by their name',
        noArgs: true,
        run: ({ logger, out }) => {
          const clusters = listClusters();
          if (clusters.length === 0) logger.info('No kind clusters found.');
          for (const c of clusters) out(`${c}\n`);
        },
      },
      {
        name: 'nodes',
        short: 'Lists existing kind nodes by their name',
        long: 'Lists existing kind nodes by their name',
        noArgs: true,
        flags: [
          nameFlag(DEFAULT_NAME, 'the cluster context name'),
          {
            name: 'all-clusters',
            short: 'A',
            type: 'bool',
            default: false,
            usage:
              'If present, list all the available nodes across all cluster contexts. Current context is ignored even if specified with --name.',
          },
        ],
        run: (ctx) => {
          const name = clusterName(ctx);
          const all = ctx.flags['all-clusters'];
          const nodes = all ? listClusters().flatMap((c) => listNodes(c)) : listNodes(name);
          if (nodes.length === 0) {
            ctx.logger.info(all ? 'No kind nodes for any cluster.' : `No kind nodes found for cluster "${name}".`);
          }
          for (const n of nodes) ctx.out(`${n.name}\n`);
        },
      },
      {
        name: 'kubeconfig',
        short: 'Prints cluster kubeconfig',
        long: 'Prints cluster kubeconfig',
        noArgs: true,
        flags: [nameFlag(DEFAULT_NAME, 'the cluster context name'), INTERNAL],
        run: (ctx) => ctx.out(`${kubeconfigText(clusterName(ctx), ctx.flags.internal)}\n`),
      },
    ]),
    stub('load', 'Loads images into nodes', 'kind load'),
    {
      name: 'version',
      short: 'Prints the kind CLI version',
      long: 'Prints the kind CLI version',
      anyArgs: true,
      run: ({ flags, out }) => out(`${flags.quiet ? VERSION : displayVersion()}\n`),
    },
  ],
};
