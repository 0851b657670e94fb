/**
 * Where the real Kubernetes binaries the tests run live: built from the Go module proxy by
 * scripts/build-kubernetes.sh (k8s.io/kubernetes, every component) and scripts/build-kwok.sh (kwok and its
 * stage file), which install-test-deps.sh runs, into ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}, keyed by
 * version. Nothing here builds: a test that needs a missing binary skips and names the script to run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const KUBERNETES_VERSION = 'v1.37.2';
export const KWOK_VERSION = 'v0.8.0';

export type KubeComponent =
  'kubeadm' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kubectl' | 'kubelet' | 'kube-proxy';

export function testCache(): string {
  return process.env.KSCTL_TEST_CACHE ?? '/var/cache/ksctl-test';
}

/** The absolute path of a component built at KUBERNETES_VERSION (it may not exist; see missingBinaries). */
export function kubeBinary(component: KubeComponent): string {
  return path.join(testCache(), `kubernetes-${KUBERNETES_VERSION}`, component);
}

export interface Kwok {
  bin: string;
  /** kwok's upstream stages (node initialize, heartbeat with lease, pod ready/complete/delete), for --config. */
  stages: string;
}

export function kwokBinary(): Kwok {
  const dir = path.join(testCache(), `kwok-${KWOK_VERSION}`);
  return { bin: path.join(dir, 'kwok'), stages: path.join(dir, 'stages.yaml') };
}

/** The binaries a loopback control plane with kwok needs that are not built yet, with the script that builds them. */
export function missingControlPlaneBinaries(): string[] {
  const missing: string[] = [];
  for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const) {
    if (!existsSync(kubeBinary(c))) missing.push(`${kubeBinary(c)} (scripts/build-kubernetes.sh)`);
  }
  const kwok = kwokBinary();
  for (const f of [kwok.bin, kwok.stages]) if (!existsSync(f)) missing.push(`${f} (scripts/build-kwok.sh)`);
  return missing;
}
