/** What both upgrade e2e files (kubeadm, k3s) read from the cluster while it upgrades, through the real kubectl. */
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
