// kind stand-in: the kind config file (kind.x-k8s.io/v1alpha4 Cluster) — loading, strict
// decoding of the fields kind knows, defaulting and kind's validation, with kind's messages.
// Deeper structures (extraPortMappings, patches...) are accepted but not checked.
import fs from 'node:fs';
import { KindError, aggregate, pathError, wrap } from './errors.mjs';
import YAML from './yaml.mjs';

export const DEFAULT_NAME = 'kind';
export const DEFAULT_IMAGE =
  'kindest/node:v1.32.2@sha256:f226345927d7e348497136874b6d207e0b32cc52154ad8323129352923a3142f';

const FIELDS = {
  'v1alpha4.Cluster': [
    'kind',
    'apiVersion',
    'name',
    'nodes',
    'networking',
    'featureGates',
    'runtimeConfig',
    'kubeadmConfigPatches',
    'kubeadmConfigPatchesJSON6902',
    'containerdConfigPatches',
    'containerdConfigPatchesJSON6902',
  ],
  'v1alpha4.Node': [
    'role',
    'image',
    'labels',
    'extraMounts',
    'extraPortMappings',
    'kubeadmConfigPatches',
    'kubeadmConfigPatchesJSON6902',
  ],
  'v1alpha4.Networking': [
    'ipFamily',
    'apiServerPort',
    'apiServerAddress',
    'podSubnet',
    'serviceSubnet',
    'disableDefaultCNI',
    'kubeProxyMode',
    'dnsSearch',
  ],
};

/** encoding.Load: "" is the default config, "-" reads stdin, anything else is a file. */
export function loadConfig(file) {
  if (!file) return defaults({});
  let raw;
  try {
    raw = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    if (file === '-') throw wrap(new KindError(err.message), 'error reading config from stdin');
    throw wrap(pathError('open', file, err), 'error reading file');
  }
  return parseConfig(raw);
}

function yamlTag(node) {
  if (YAML.isMap(node)) return '!!map';
  if (YAML.isSeq(node)) return '!!seq';
  return `!!${typeof node.value === 'number' ? 'int' : typeof node.value === 'boolean' ? 'bool' : 'str'} \`${node.source ?? node.value}\``;
}

export function parseConfig(raw) {
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(raw, { lineCounter: lines });
  const lineOf = (node) => lines.linePos(node?.range?.[0] ?? 0).line;
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw wrap(
      new KindError(
        `yaml: line ${e.linePos?.[0]?.line ?? 1}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      ),
      'could not determine kind / apiVersion for config',
    );
  }
  const root = doc.contents;
  if (root && !YAML.isMap(root)) {
    throw wrap(
      new KindError(
        `yaml: unmarshal errors:\n  line ${lineOf(root)}: cannot unmarshal ${yamlTag(root)} into encoding.typeMeta`,
      ),
      'could not determine kind / apiVersion for config',
    );
  }
  const js = doc.toJS() ?? {};
  const apiVersion = String(js.apiVersion ?? '');
  const kind = String(js.kind ?? '');
  if (apiVersion !== 'kind.x-k8s.io/v1alpha4') throw new KindError(`unknown apiVersion: ${apiVersion}`);
  if (kind !== 'Cluster') throw new KindError(`unknown kind ${kind} for apiVersion: ${apiVersion}`);

  const problems = strictDecode(root, lineOf);
  if (problems.length)
    throw new KindError(`unable to decode config: yaml: unmarshal errors:\n  ${problems.join('\n  ')}`);
  return defaults(js);
}

/** yaml.v3 KnownFields(true) for the types kind's config is made of. */
function strictDecode(root, lineOf) {
  const problems = [];
  const fields = (map, type) => {
    for (const pair of map.items) {
      const key = String(pair.key?.value ?? pair.key);
      if (!FIELDS[type].includes(key))
        problems.push(`line ${lineOf(pair.key)}: field ${key} not found in type ${type}`);
    }
  };
  const expect = (node, want, into) => {
    if (!node || (YAML.isScalar(node) && node.value === null)) return false;
    const ok = want === 'map' ? YAML.isMap(node) : want === 'seq' ? YAML.isSeq(node) : YAML.isScalar(node);
    if (!ok) problems.push(`line ${lineOf(node)}: cannot unmarshal ${yamlTag(node)} into ${into}`);
    return ok;
  };
  if (!root) return problems;
  fields(root, 'v1alpha4.Cluster');
  expect(root.get('name', true), 'scalar', 'string');
  if (expect(root.get('networking', true), 'map', 'v1alpha4.Networking')) {
    fields(root.get('networking', true), 'v1alpha4.Networking');
  }
  const nodes = root.get('nodes', true);
  if (expect(nodes, 'seq', '[]v1alpha4.Node')) {
    for (const node of nodes.items) {
      if (!expect(node, 'map', 'v1alpha4.Node')) continue;
      fields(node, 'v1alpha4.Node');
      expect(node.get('role', true), 'scalar', 'v1alpha4.NodeRole');
      expect(node.get('image', true), 'scalar', 'string');
      // Labels map[string]string: a mapping of scalars (kind hands them to kubeadm as node-labels).
      const labels = node.get('labels', true);
      if (expect(labels, 'map', 'map[string]string'))
        for (const pair of labels.items) expect(pair.value, 'scalar', 'string');
    }
  }
  return problems;
}

/** v1alpha4 + internal defaulting: name "kind", one control-plane node, default node image. */
function defaults(js) {
  const net = js.networking ?? {};
  const ipFamily = String(net.ipFamily || 'ipv4');
  const nodes = (js.nodes?.length ? js.nodes : [{}]).map((n) => ({
    role: String(n.role || 'control-plane'),
    image: String(n.image || DEFAULT_IMAGE),
    ...(n.labels && Object.keys(n.labels).length
      ? { labels: Object.fromEntries(Object.entries(n.labels).map(([k, v]) => [k, String(v ?? '')])) }
      : {}),
  }));
  return {
    name: String(js.name ?? '') || DEFAULT_NAME,
    nodes,
    networking: {
      ipFamily,
      apiServerAddress: String(net.apiServerAddress || (ipFamily === 'ipv6' ? '::1' : '127.0.0.1')),
      apiServerPort: Number(net.apiServerPort ?? 0),
      disableDefaultCNI: net.disableDefaultCNI === true,
      kubeProxyMode: String(net.kubeProxyMode || 'iptables'),
    },
  };
}

const VALID_NAME = /^[a-z0-9.-]+$/;

/** config.Cluster.Validate. */
export function validateConfig(cfg) {
  const errs = [];
  if (!VALID_NAME.test(cfg.name)) {
    errs.push(
      new KindError(`'${cfg.name}' is not a valid cluster name, cluster names must match \`${VALID_NAME.source}\``),
    );
  }
  const port = cfg.networking.apiServerPort;
  if (port !== 0 && !(Number.isInteger(port) && port >= -1 && port <= 65535)) {
    errs.push(new KindError(`invalid apiServerPort: invalid port number: ${port}`));
  }
  if (!['ipv4', 'ipv6', 'dual'].includes(cfg.networking.ipFamily)) {
    errs.push(new KindError(`invalid ipFamily: ${cfg.networking.ipFamily}`));
  }
  if (!['iptables', 'ipvs', 'none', 'nftables'].includes(cfg.networking.kubeProxyMode)) {
    errs.push(new KindError(`invalid kubeProxyMode: ${cfg.networking.kubeProxyMode}`));
  }
  cfg.nodes.forEach((n, i) => {
    const nodeErrs = [];
    if (n.role !== 'control-plane' && n.role !== 'worker')
      nodeErrs.push(new KindError(`${JSON.stringify(n.role)} is not a valid node role`));
    if (!n.image) nodeErrs.push(new KindError('image is a required field'));
    if (nodeErrs.length)
      errs.push(new KindError(`invalid configuration for node ${i}: ${aggregate(nodeErrs).message}`));
  });
  if (!cfg.nodes.some((n) => n.role === 'control-plane'))
    errs.push(new KindError('must have at least one control-plane node'));
  if (errs.length) throw aggregate(errs);
}
