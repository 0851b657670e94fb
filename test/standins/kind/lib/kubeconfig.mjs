// kind stand-in: kind's kubeconfig handling (pkg/cluster/internal/kubeconfig).
// - file choice like kubectl: --kubeconfig, else $KUBECONFIG (merge into the first file that
//   exists, else the last), else $HOME/.kube/config; removal visits every $KUBECONFIG file;
// - cluster, user and context are all named kind-<name>; merge replaces same-named entries in
//   place or appends, sets current-context, and leaves everything else alone;
// - the file is locked with "<file>.lock" (O_EXCL) like client-go, written 0600, and re-encoded
//   with sorted keys (kind normalises through sigs.k8s.io/yaml), so comments are not kept.
import fs from 'node:fs';
import path from 'node:path';
import { KindError, pathError, wrap } from './errors.mjs';
import YAML from './yaml.mjs';

export const contextFor = (clusterName) => `kind-${clusterName}`;

function paths(explicitPath) {
  if (explicitPath) return [explicitPath];
  const fromEnv = [...new Set((process.env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean))];
  if (fromEnv.length) return fromEnv;
  return [path.join(process.env.HOME ?? '', '.kube', 'config')];
}

function pathForMerge(explicitPath) {
  const p = paths(explicitPath);
  if (p.length === 1) return p[0];
  return p.find((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile()) ?? p[p.length - 1];
}

function withLock(file, fn) {
  const lock = `${file}.lock`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    fs.closeSync(fs.openSync(lock, 'wx', 0));
  } catch (err) {
    throw wrap(pathError('open', lock, err), 'failed to lock config file');
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function read(file) {
  let raw;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return {};
    throw pathError('read', file, err);
  }
  const doc = YAML.parseDocument(raw);
  if (doc.errors.length) throw new KindError(`yaml: ${doc.errors[0].message.split('\n')[0]}`);
  const cfg = doc.toJS() ?? {};
  if (typeof cfg !== 'object' || Array.isArray(cfg)) throw new KindError('yaml: kubeconfig is not a mapping');
  return cfg;
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  }
  return value;
}

/** kind's Encode: empty lists and current-context are omitted; an empty config is "". */
export function encode(cfg) {
  const out = { ...cfg };
  for (const k of ['clusters', 'users', 'contexts']) if (!out[k]?.length) delete out[k];
  if (!out['current-context']) delete out['current-context'];
  if (Object.keys(out).length === 0) return '';
  return YAML.stringify(sortKeys(out), { indentSeq: false, lineWidth: 0 });
}

function write(cfg, file) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.writeFileSync(file, encode(cfg), { mode: 0o600 });
}

/** KINDFromRawKubeadm: admin.conf with every name set to kind-<name>, server optionally patched. */
export function fromAdminConf(adminConf, clusterName, server) {
  const cfg = YAML.parse(adminConf);
  const key = contextFor(clusterName);
  cfg.clusters[0].name = key;
  cfg.users[0].name = key;
  cfg.contexts[0].name = key;
  cfg.contexts[0].context.user = key;
  cfg.contexts[0].context.cluster = key;
  cfg['current-context'] = key;
  if (server) cfg.clusters[0].cluster.server = server;
  return cfg;
}

function upsert(list, entry) {
  const out = Array.isArray(list) ? [...list] : [];
  const i = out.findIndex((e) => e?.name === entry.name);
  if (i >= 0) out[i] = entry;
  else out.push(entry);
  return out;
}

/** WriteMerged: merge the kind config into the chosen file and make it current. */
export function writeMerged(kindCfg, explicitPath) {
  const file = pathForMerge(explicitPath);
  withLock(file, () => {
    let existing;
    try {
      existing = read(file);
    } catch (err) {
      throw wrap(err, 'failed to get kubeconfig to merge');
    }
    const { clusters, users, contexts, 'current-context': _current, ...other } = existing;
    const merged = {
      ...(Object.keys(other).length
        ? other
        : { apiVersion: kindCfg.apiVersion, kind: kindCfg.kind, preferences: kindCfg.preferences }),
      clusters: upsert(clusters, kindCfg.clusters[0]),
      users: upsert(users, kindCfg.users[0]),
      contexts: upsert(contexts, kindCfg.contexts[0]),
      'current-context': kindCfg['current-context'],
    };
    write(merged, file);
  });
}

/** RemoveKIND: drop kind-<name> entries (and current-context if it pointed there) from every file. */
export function removeKind(clusterName, explicitPath) {
  const key = contextFor(clusterName);
  for (const file of paths(explicitPath)) {
    withLock(file, () => {
      let cfg;
      try {
        cfg = read(file);
      } catch (err) {
        throw wrap(err, 'failed to read kubeconfig to remove KIND entry');
      }
      let mutated = false;
      for (const k of ['clusters', 'users', 'contexts']) {
        if (!Array.isArray(cfg[k])) continue;
        const kept = cfg[k].filter((e) => e?.name !== key);
        if (kept.length !== cfg[k].length) mutated = true;
        cfg[k] = kept;
      }
      if (cfg['current-context'] === key) {
        cfg['current-context'] = '';
        mutated = true;
      }
      if (mutated) write(cfg, file);
    });
  }
}
