/** The admin kubeconfig from a control plane, pointed at the load balancer instead of 127.0.0.1. */
import { parse, stringify } from 'yaml';
import { ProviderError } from '../../errors.js';

type Kc = { clusters?: { name: string; cluster?: { server?: string } }[] };

export function rewriteServer(text: string, server: string): string {
  let doc: Kc;
  try {
    doc = parse(text) as Kc;
  } catch {
    throw new ProviderError('the control plane returned a kubeconfig that is not YAML');
  }
  if (!doc?.clusters?.length) throw new ProviderError('the control plane returned a kubeconfig without clusters');
  for (const c of doc.clusters) if (c.cluster) c.cluster.server = server;
  return stringify(doc, { lineWidth: 0 });
}

export function parseKubeconfigServer(text: string): string | undefined {
  return (parse(text) as Kc).clusters?.[0]?.cluster?.server;
}
