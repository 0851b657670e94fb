/**
 * The Kubernetes provider ID of a machine no cloud knows (bring-your-own machines): ksctl's own scheme,
 * so node pools and the autoscaler can map a Node back to its machine record like a cloud's ID.
 */
export function ksctlProviderId(cluster: string, machine: string): string {
  return `ksctl://${cluster}/${machine}`;
}
