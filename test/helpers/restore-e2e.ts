/**
 * What the fresh-restore e2e tests (`create cluster --restore`) ask of the new cluster: that its nodes
 * are its own machines, and that the source cluster's kubeconfig, pointed at the new load balancer,
 * still works (the bundle's CAs were reused).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { kubectl, type CliResult, type Sandbox } from './cli.js';

/** `name providerID InternalIP`, one line per Node. */
const NODE_IDENTITY =
  'jsonpath={range .items[*]}{.metadata.name} {.spec.providerID} {.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}';

/** The current context's Nodes as `name providerID address`, sorted. */
export async function nodeIdentities(env: NodeJS.ProcessEnv): Promise<string[]> {
  const r = await kubectl(['get', 'nodes', '-o', NODE_IDENTITY, '--request-timeout', '30s'], env);
  if (r.code !== 0) throw new Error(`kubectl get nodes: ${r.stderr}`);
  return r.stdout.trim().split('\n').sort();
}

/**
 * A ConfigMap's `value` read with `kubeconfig` (the text the user kept of the old cluster) after its
 * server moved from `from` to `to` (load balancer addresses, port 6443).
 */
export async function readWithMovedKubeconfig(
  sb: Sandbox,
  kubeconfig: string,
  move: { from: string; to: string },
  configMap: { name: string; namespace?: string },
): Promise<CliResult> {
  const moved = kubeconfig.replace(`https://${move.from}:6443`, `https://${move.to}:6443`);
  if (moved === kubeconfig) throw new Error(`the kubeconfig does not name https://${move.from}:6443`);
  const file = path.join(sb.dir, `moved-kubeconfig-${move.to}`);
  writeFileSync(file, moved, { mode: 0o600 });
  const ns = configMap.namespace ? ['-n', configMap.namespace] : [];
  return kubectl(
    [
      '--kubeconfig',
      file,
      'get',
      'configmap',
      configMap.name,
      ...ns,
      '-o',
      'jsonpath={.data.value}',
      '--request-timeout',
      '30s',
    ],
    sb.env,
  );
}
