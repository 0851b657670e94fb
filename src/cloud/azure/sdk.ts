/**
 * The narrow SDK boundary: only the Azure calls ksctl makes, with the fields it reads. clients.ts
 * implements it over the real SDKs (loaded lazily); every long-running call waits through the
 * SDK's own poller with a bounded wait and the step's abort signal.
 */
import type * as AksModels from '@azure/arm-containerservice';

/** Fields every ARM resource has (what ksctl reads of them). */
export interface ArmResource {
  id?: string;
  name?: string;
  location?: string;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** get / create-or-update (PUT, idempotent by name) / delete of one resource type in a group. */
export interface ArmOps<T extends ArmResource = ArmResource> {
  get(group: string, name: string): Promise<T>;
  put(group: string, name: string, body: T): Promise<T>;
  delete(group: string, name: string): Promise<void>;
  listByGroup?(group: string): Promise<T[]>;
  /**
   * Resolves once the resource's provisioning state is terminal (Succeeded, Failed, Canceled), or
   * with undefined once it is gone; for types the provider waits on together (clients.ts).
   */
  settled?(group: string, name: string): Promise<T | undefined>;
  /** Like get, but undefined when missing; lookups made together share one list (coalesced-lookup.ts). */
  find?(group: string, name: string): Promise<T | undefined>;
}

export interface ResourceGroup extends ArmResource {
  properties?: { provisioningState?: string };
}

export interface ResourceSku {
  name?: string;
  resourceType?: string;
  family?: string;
  locations?: string[];
  capabilities?: { name?: string; value?: string }[];
  /** Where the size is offered: the region and its availability zones there (`1`, `2`, `3`). */
  locationInfo?: { location?: string; zones?: string[] }[];
  restrictions?: { type?: string; values?: string[]; reasonCode?: string }[];
}

export interface Usage {
  name?: { value?: string; localizedValue?: string };
  currentValue?: number;
  limit?: number;
}

export interface KubernetesVersion {
  version?: string;
  patchVersions?: Record<string, unknown>;
  isDefault?: boolean;
  isPreview?: boolean;
}

export interface AzureApi {
  readonly subscriptionId: string;
  resourceGroups: {
    get(name: string): Promise<ResourceGroup>;
    put(name: string, body: ResourceGroup): Promise<ResourceGroup>;
    delete(name: string): Promise<void>;
  };
  virtualNetworks: ArmOps;
  networkSecurityGroups: ArmOps;
  applicationSecurityGroups: ArmOps;
  publicIPAddresses: ArmOps;
  networkInterfaces: ArmOps;
  virtualMachines: ArmOps;
  managedClusters: ArmOps;
  /** An AKS cluster's agent pools (day 2); put and delete wait for the operation through the SDK's poller. */
  agentPools: AgentPoolOps;
  /** Compute SKUs offered in `location` (VM sizes and their restrictions). */
  resourceSkus(location: string): Promise<ResourceSku[]>;
  /** Compute usages (vCPU quotas) in `location`. */
  usages(location: string): Promise<Usage[]>;
  kubernetesVersions(location: string): Promise<KubernetesVersion[]>;
  /** Kubeconfig files (decoded text) of an AKS cluster's user credentials. */
  clusterUserKubeconfigs(group: string, name: string): Promise<string[]>;
}

/** An AKS agent pool as the SDK models it (flattened: `count`, `nodeLabels`, `typePropertiesType`...). */
export type AgentPool = AksModels.AgentPool;

export interface AgentPoolOps {
  get(group: string, cluster: string, pool: string): Promise<AgentPool>;
  list(group: string, cluster: string): Promise<AgentPool[]>;
  /** Create or update (PUT, the whole pool), waited on until the operation ends. */
  put(group: string, cluster: string, pool: string, body: AgentPool): Promise<AgentPool>;
  delete(group: string, cluster: string, pool: string): Promise<void>;
}
