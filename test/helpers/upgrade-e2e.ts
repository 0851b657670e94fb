/** What the upgrade e2e files (kubeadm, k3s) read from the cluster while it upgrades, through the real kubectl. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { kubectl } from './cli.js';

/** Polls `check` every 2 s until it holds (true) or `timeoutMs` passed (false). */
export async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** name → `<Ready status>/<kubelet version>`, per node. */
export async function nodeVersions(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const r = await kubectl(
    [
      'get',
      'nodes',
      '--request-timeout',
      '10s',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}/{.status.nodeInfo.kubeletVersion}{"\\n"}{end}',
    ],
    env,
  );
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('=') as [string, string]),
  );
}

/** Available replicas of Deployment `name`, or undefined when the API did not answer. */
export async function availableReplicas(env: NodeJS.ProcessEnv, name: string): Promise<number | undefined> {
  const r = await kubectl(
    ['get', 'deployment', name, '--request-timeout', '5s', '-o', 'jsonpath={.status.availableReplicas}'],
    env,
  );
  return r.code === 0 ? Number(r.stdout.trim() || '0') : undefined;
}

/**
 * Test-host adaptation (test/hosts/README.md, "Kernel settings") for kubeadm clusters created at v1.36:
 * kube-proxy v1.36 sets nf_conntrack_max to what it computes even when that is lower than the machine's,
 * which a test host may not write ("permission denied"; v1.37 leaves a higher value alone). maxPerCore 0
 * is upstream's "leave the limit as it is"; kubeadm upgrade keeps the ConfigMap's settings. Made while
 * create runs (call this before create), as soon as kubeadm init made the ConfigMap: without kube-proxy no
 * Service reaches the API, the CNI's pods do not start and no node gets Ready (create waits for Ready
 * workers). Polls while `keepTrying()`; resolves true once the ConfigMap was replaced and kube-proxy's
 * pods deleted (to restart on it).
 */
export async function adaptKubeProxy(
  kubeconfig: string,
  env: NodeJS.ProcessEnv,
  workDir: string,
  keepTrying: () => boolean,
): Promise<boolean> {
  const k = ['--kubeconfig', kubeconfig, '-n', 'kube-system'];
  while (keepTrying()) {
    const proxy = await kubectl([...k, 'get', 'configmap', 'kube-proxy', '-o', 'json', '--request-timeout', '5s'], env);
    if (proxy.code === 0 && proxy.stdout.includes('maxPerCore: null')) {
      const patched = path.join(workDir, 'kube-proxy-cm.json');
      writeFileSync(patched, proxy.stdout.replace('maxPerCore: null', 'maxPerCore: 0'));
      if ((await kubectl([...k, 'replace', '-f', patched], env)).code === 0) {
        await kubectl([...k, 'delete', 'pods', '-l', 'k8s-app=kube-proxy', '--wait=false'], env);
        return true;
      }
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  return false;
}
