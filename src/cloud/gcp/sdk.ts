/**
 * The narrow SDK boundary: only the Google Cloud calls this provider makes, bound to one project.
 * Types only — nothing here loads an SDK. clients.ts implements each as one call of a generated
 * client (loaded by deep import), so a fake at the clients' transport sees exactly these calls.
 */
import type { protos as computeProtos } from '@google-cloud/compute';
import type { protos as containerProtos } from '@google-cloud/container';

export type Instance = computeProtos.google.cloud.compute.v1.IInstance;
export type Network = computeProtos.google.cloud.compute.v1.INetwork;
export type Subnetwork = computeProtos.google.cloud.compute.v1.ISubnetwork;
export type Firewall = computeProtos.google.cloud.compute.v1.IFirewall;
export type Operation = computeProtos.google.cloud.compute.v1.IOperation;
export type Region = computeProtos.google.cloud.compute.v1.IRegion;
export type MachineType = computeProtos.google.cloud.compute.v1.IMachineType;
export type Image = computeProtos.google.cloud.compute.v1.IImage;
export type GkeCluster = containerProtos.google.container.v1.ICluster;
export type GkeNodePool = containerProtos.google.container.v1.INodePool;
export type GkeOperation = containerProtos.google.container.v1.IOperation;
export type GkeServerConfig = containerProtos.google.container.v1.IServerConfig;
export type GkeClusterUpdate = containerProtos.google.container.v1.IClusterUpdate;
export type GkeUpdateNodePoolRequest = containerProtos.google.container.v1.IUpdateNodePoolRequest;

/** Compute Engine, bound to the project. Inserts and deletes return the (zonal/regional/global) operation. */
export interface GceApi {
  getRegion(region: string): Promise<Region>;
  getMachineType(zone: string, machineType: string): Promise<MachineType>;
  getImageFromFamily(project: string, family: string): Promise<Image>;
  getNetwork(name: string): Promise<Network>;
  insertNetwork(resource: Network, requestId: string): Promise<Operation>;
  deleteNetwork(name: string, requestId: string): Promise<Operation>;
  getSubnetwork(region: string, name: string): Promise<Subnetwork>;
  insertSubnetwork(region: string, resource: Subnetwork, requestId: string): Promise<Operation>;
  deleteSubnetwork(region: string, name: string, requestId: string): Promise<Operation>;
  getFirewall(name: string): Promise<Firewall>;
  listFirewalls(filter?: string): Promise<Firewall[]>;
  insertFirewall(resource: Firewall, requestId: string): Promise<Operation>;
  /** PATCH semantics: the fields given replace the rule's (lists whole). */
  patchFirewall(name: string, resource: Firewall, requestId: string): Promise<Operation>;
  deleteFirewall(name: string, requestId: string): Promise<Operation>;
  getInstance(zone: string, name: string): Promise<Instance>;
  listInstances(zone: string, filter?: string): Promise<Instance[]>;
  insertInstance(zone: string, resource: Instance, requestId: string): Promise<Operation>;
  deleteInstance(zone: string, name: string, requestId: string): Promise<Operation>;
  /**
   * The operation once DONE, or its current state after the server waited up to 2 minutes
   * (`zoneOperations.wait` etc.: one call instead of a polling loop).
   */
  waitOperation(op: Operation): Promise<Operation>;
}

/** GKE (container.googleapis.com v1), bound to the project; names are full resource names. */
export interface GkeApi {
  getServerConfig(location: string): Promise<GkeServerConfig>;
  getCluster(name: string): Promise<GkeCluster>;
  listClusters(parent: string): Promise<GkeCluster[]>;
  createCluster(parent: string, cluster: GkeCluster): Promise<GkeOperation>;
  deleteCluster(name: string): Promise<GkeOperation>;
  getNodePool(name: string): Promise<GkeNodePool>;
  listNodePools(parent: string): Promise<GkeNodePool[]>;
  createNodePool(parent: string, nodePool: GkeNodePool): Promise<GkeOperation>;
  deleteNodePool(name: string): Promise<GkeOperation>;
  setNodePoolSize(name: string, nodeCount: number): Promise<GkeOperation>;
  /** clusters.update: the `desired*` fields of `update` (one kind of change per call). */
  updateCluster(name: string, update: GkeClusterUpdate): Promise<GkeOperation>;
  /** clusters.updateMaster: the control plane to `masterVersion` (required). */
  updateMaster(name: string, masterVersion: string): Promise<GkeOperation>;
  /**
   * nodePools.update: the fields given are set (labels and taints replace the pool's whole lists);
   * nodeVersion and imageType are required (the pool's own to change nothing but the rest).
   */
  updateNodePool(request: GkeUpdateNodePoolRequest): Promise<GkeOperation>;
  /** An operation by full name (`projects/p/locations/l/operations/operation-…`). */
  getOperation(name: string): Promise<GkeOperation>;
}

export interface GcpClients {
  project: string;
  gce: GceApi;
  gke: GkeApi;
}

/** Client names, as passed to GcpRuntime.configureClient. */
export type GcpClientName =
  | 'regions'
  | 'machineTypes'
  | 'images'
  | 'networks'
  | 'subnetworks'
  | 'firewalls'
  | 'instances'
  | 'zoneOperations'
  | 'regionOperations'
  | 'globalOperations'
  | 'clusterManager';
