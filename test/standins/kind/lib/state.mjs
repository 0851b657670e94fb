// kind stand-in: where "containers" live. One JSON file per cluster in $KIND_STANDIN_HOME
// (default $HOME/.kind-standin), so every process (ksctl, tests, a second kind) sees the same
// clusters. A record: { name, createdAt, nodes: [{ name, role, image }], apiServer:
// { address, port }, kubeconfig } where kubeconfig is the node's /etc/kubernetes/admin.conf
// (null until "kubeadm init" ran, like a half-created real cluster).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function stateDir() {
  return process.env.KIND_STANDIN_HOME || path.join(process.env.HOME || os.homedir(), '.kind-standin');
}

const fileFor = (name) => path.join(stateDir(), `${encodeURIComponent(name)}.json`);

export function listClusterNames() {
  let entries;
  try {
    entries = fs.readdirSync(stateDir());
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((f) => f.endsWith('.json'))
    .map((f) => decodeURIComponent(f.slice(0, -'.json'.length)))
    .sort();
}

export function readCluster(name) {
  try {
    return JSON.parse(fs.readFileSync(fileFor(name), 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
}

function writeTemp(record) {
  fs.mkdirSync(stateDir(), { recursive: true });
  const tmp = path.join(stateDir(), `.${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
  fs.writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  return tmp;
}

/** Atomically creates the record; false if a cluster of that name already exists. */
export function createCluster(record) {
  const tmp = writeTemp(record);
  try {
    fs.linkSync(tmp, fileFor(record.name));
    return true;
  } catch (err) {
    if (err.code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export function updateCluster(record) {
  fs.renameSync(writeTemp(record), fileFor(record.name));
}

export function removeCluster(name) {
  fs.rmSync(fileFor(name), { force: true });
}
