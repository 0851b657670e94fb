/** The admin kubeconfig from a control plane, pointed at the load balancer instead of 127.0.0.1. */
import { parseYaml11Full } from '../../util/yaml-read-full.js';
import { toYaml } from '../../util/yaml-write.js';
import { ProviderError } from '../../errors.js';

type Kc = { clusters?: { name: string; cluster?: { server?: string } }[] };

export function rewriteServer(text: string, server: string): string {
  let doc: Kc;
  try {
    doc = parseYaml11Full(text) as Kc;
  } catch {
    throw new ProviderError('the control plane returned a kubeconfig that is not YAML');
  }
  if (!doc?.clusters?.length) throw new ProviderError('the control plane returned a kubeconfig without clusters');
  for (const c of doc.clusters) if (c.cluster) c.cluster.server = server;
  return toYaml(doc);
}

export function parseKubeconfigServer(text: string): string | undefined {
  return (parseYaml11Full(text) as Kc).clusters?.[0]?.cluster?.server;
}
