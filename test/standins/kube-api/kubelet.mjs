#!/usr/bin/env node
// TEST STAND-IN for the kubelet (not a real Kubernetes component): it runs no pods. It does the
// two things the rest of the cluster observes: it registers its Node object with the API server
// (POST /api/v1/nodes, adopting an existing object of the same name after a restart, like the
// kubelet does) and posts node status every 10 s (KUBE_STANDIN_HEARTBEAT_SECONDS), so the node is
// Ready while it runs and turns Unknown/NotReady after the grace period once it stops. A deleted
// Node object is not re-created until the kubelet restarts — the real kubelet behaves the same.
// Used in-process by the k3s stand-in (servers and agents) and as a detached process by the
// kubeadm stand-in with a subset of real kubelet flags:
//   kubelet.mjs --kubeconfig FILE --hostname-override NAME --node-ip IP [--node-labels k=v,...]
//               [--register-with-taints k=v:Effect,...] [--provider-id ID] [--config FILE]
//               [--fail-cgroupv1=false] [--standin-version v1.31.7]
// As the kubelet from 1.35 on, it refuses to start on a cgroup v1 host (/sys/fs/cgroup is not
// cgroup2fs) unless `failCgroupV1: false` (config file) or `--fail-cgroupv1=false` says otherwise.
//   kubelet.mjs --version            "Kubernetes v1.31.7" ($KUBELET_STANDIN_VERSION)
// Without --kubeconfig, or when that file does not exist yet, it exits 1 like an unconfigured
// kubelet under systemd (kubelet.service before `kubeadm init/join`).
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { request, sleep } from './https-json.mjs';
import { healthyConditions, newNode, nowIso } from './objects.mjs';
import { readKubeconfig } from './kubeconfig.mjs';
import { hostPath } from './paths.mjs';
import { parse } from './yaml-lite.mjs';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const onCgroupV2 = () => fs.statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;

const say = (msg) => process.stderr.write(`${new Date().toISOString()} kubelet-standin: ${msg}\n`);

/**
 * Register `node` through `server` (URL) with the client identity in tls {ca, cert, key} and keep
 * posting status. Resolves once registered; returns { stop() }.
 */
export async function runKubelet({ server, tls, node, log = say }) {
  const name = node.metadata.name;
  const url = (p) => new URL(p, server).href;
  const heartbeatMs = Number(process.env.KUBE_STANDIN_HEARTBEAT_SECONDS ?? 10) * 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await request(url('/api/v1/nodes'), { method: 'POST', body: node, tls });
      if (res.status === 201) break;
      if (res.status === 409) {
        // Same name registered before (restart): take it over, refreshing what the kubelet owns.
        const patch = { metadata: { labels: node.metadata.labels }, status: node.status };
        const p = await request(url(`/api/v1/nodes/${name}`), { method: 'PATCH', body: patch, tls,
          headers: { 'Content-Type': 'application/merge-patch+json' } });
        if (p.status === 200) break;
        throw new Error(`adopting existing node: ${p.status} ${p.json?.message ?? p.body}`);
      }
      throw new Error(`${res.status} ${res.json?.message ?? res.body}`);
    } catch (e) {
      if (attempt % 10 === 0) log(`Unable to register node "${name}" with API server: ${e.message}`);
      await sleep(1000);
    }
  }
  log(`Successfully registered node "${name}"`);
  const since = nowIso();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sleep(heartbeatMs);
      if (stopped) break;
      try {
        const res = await request(url(`/api/v1/nodes/${name}/status`), { method: 'PATCH', tls,
          headers: { 'Content-Type': 'application/merge-patch+json' },
          body: { status: { conditions: healthyConditions(nowIso(), since) } } });
        if (res.status !== 200) log(`Error updating node status, will retry: ${res.json?.message ?? res.status}`);
      } catch (e) {
        log(`Error updating node status, will retry: ${e.message}`);
      }
    }
  })();
  return { stop: async () => { stopped = true; await Promise.race([loop, sleep(50)]); } };
}

function flags(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    out[m[1]] = m[2] ?? (argv[i + 1] === undefined || argv[i + 1].startsWith('--') ? 'true' : argv[++i]);
  }
  return out;
}

const pairs = (s) => (s ? s.split(',').filter(Boolean) : []);

async function main(argv) {
  const f = flags(argv);
  const version = f['standin-version'] ?? process.env.KUBELET_STANDIN_VERSION ?? process.env.KUBEADM_STANDIN_VERSION ?? 'v1.31.7';
  if ('version' in f) { process.stdout.write(`Kubernetes ${version}\n`); return; }
  if (!f.kubeconfig) {
    // What a real kubelet does under systemd before `kubeadm init/join` configured it: fail (and be restarted).
    say('E "command failed" err="failed to load kubelet config file, path: /var/lib/kubelet/config.yaml, error: open /var/lib/kubelet/config.yaml: no such file or directory" (this stand-in is started by kubeadm itself)');
    process.exit(1);
  }
  if (!fs.existsSync(hostPath(f.kubeconfig))) {
    // kubelet.service started before kubeadm wrote kubelet.conf (the unit always passes --kubeconfig).
    say(`E "command failed" err="failed to run Kubelet: unable to load bootstrap kubeconfig: stat ${f.kubeconfig}: no such file or directory"`);
    process.exit(1);
  }
  const config = f.config && fs.existsSync(hostPath(f.config)) ? parse(fs.readFileSync(hostPath(f.config), 'utf8')) ?? {} : {};
  // failCgroupV1 defaults to true from 1.35 (the flag wins over the file, as kubelet flags do).
  const minor = Number(version.replace(/^v/, '').split('.')[1]);
  const failCgroupV1 = f['fail-cgroupv1'] !== undefined ? f['fail-cgroupv1'] !== 'false' : config.failCgroupV1 ?? minor >= 35;
  if (failCgroupV1 && !onCgroupV2()) {
    say('E "command failed" err="failed to validate kubelet configuration, error: kubelet is configured to not run on a host using cgroup v1. cgroup v1 support is unsupported and will be removed in a future release"');
    process.exit(1);
  }
  const kc = readKubeconfig(f.kubeconfig);
  const labels = Object.fromEntries(pairs(f['node-labels']).map((l) => [l.split('=')[0], l.split('=').slice(1).join('=')]));
  const taints = pairs(f['register-with-taints']).map((t) => {
    const [kv, effect] = t.split(':');
    const [key, value] = kv.split('=');
    return { key, ...(value ? { value } : {}), effect };
  });
  const node = newNode({ name: f['hostname-override'], ip: f['node-ip'], version, labels, taints,
    runtime: 'containerd://1.7.24', providerID: f['provider-id'] ?? config.providerID });
  await runKubelet({ server: kc.server, tls: { ca: kc.ca, cert: kc.cert, key: kc.key }, node });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
}

if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
