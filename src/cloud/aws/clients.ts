/**
 * Lazily built SDK clients. Nothing here imports an SDK at module load: the first call of a service
 * `await import()`s its package, builds one client and keeps it. Every method is one
 * `client.send(new XCommand(input))`; errors pass through mapAwsError so credential trouble is one
 * clear line and other failures keep their AWS code.
 */
import { mapAwsError } from './errors.js';
import type { AwsRuntime } from './runtime.js';
import type { AwsClients, AwsService, Ec2Api, EksApi, IamApi, QuotasApi, SsmApi, StsApi } from './sdk.js';

export interface ClientOptions {
  region: string;
  profile?: string;
  runtime: AwsRuntime;
}

/** One credential provider shared by every client, so SSO/profile resolution happens once. */
interface Shared extends ClientOptions {
  credentials?: unknown;
}

/** Bounded adaptive retries: throttling backs off and slows the client down; the cap keeps a stuck call short. */
const MAX_ATTEMPTS = 8;
const HOME_REGION = 'us-east-1';

type Methods<T> = { [K in keyof T]: T[K] };

/** A proxy whose methods load the real implementation on first use. */
function lazy<T extends object>(service: string, profile: string | undefined, load: () => Promise<T>): T {
  let loaded: Promise<T> | undefined;
  return new Proxy({} as T, {
    get(_t, prop) {
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return async (input: unknown) => {
        loaded ??= load();
        const api = (await loaded) as Record<string, (i: unknown) => Promise<unknown>>;
        const fn = api[prop];
        if (!fn) throw new Error(`${service}.${prop} is not part of the AWS boundary`);
        try {
          return await fn(input);
        } catch (e) {
          throw mapAwsError(e, `${service}:${prop.charAt(0).toUpperCase()}${prop.slice(1)}`, profile);
        }
      };
    },
  });
}

async function baseConfig(opts: Shared, region: string): Promise<Record<string, unknown>> {
  // Cloud code never prints: the SDK's Node-version notice would land on the user's terminal.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const cfg: Record<string, unknown> = { region, retryMode: 'adaptive', maxAttempts: MAX_ATTEMPTS };
  if (!opts.runtime.clientConfig?.credentials) {
    if (!opts.credentials) {
      const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
      opts.credentials = fromNodeProviderChain(opts.profile ? { profile: opts.profile } : {});
    }
    cfg.credentials = opts.credentials;
  }
  return { ...cfg, ...opts.runtime.clientConfig };
}

function configure<C>(opts: Shared, client: C, service: AwsService): C {
  opts.runtime.configureClient?.(client, service);
  return client;
}

async function loadEc2(opts: Shared, region: string): Promise<Methods<Ec2Api>> {
  const m = await import('@aws-sdk/client-ec2');
  const c = configure(opts, new m.EC2Client(await baseConfig(opts, region)), 'ec2');
  return {
    describeRegions: (i) => c.send(new m.DescribeRegionsCommand(i)),
    describeAvailabilityZones: (i) => c.send(new m.DescribeAvailabilityZonesCommand(i)),
    describeInstanceTypeOfferings: (i) => c.send(new m.DescribeInstanceTypeOfferingsCommand(i)),
    describeInstanceTypes: (i) => c.send(new m.DescribeInstanceTypesCommand(i)),
    createVpc: (i) => c.send(new m.CreateVpcCommand(i)),
    describeVpcs: (i) => c.send(new m.DescribeVpcsCommand(i)),
    deleteVpc: (i) => c.send(new m.DeleteVpcCommand(i)),
    modifyVpcAttribute: (i) => c.send(new m.ModifyVpcAttributeCommand(i)),
    createSubnet: (i) => c.send(new m.CreateSubnetCommand(i)),
    describeSubnets: (i) => c.send(new m.DescribeSubnetsCommand(i)),
    deleteSubnet: (i) => c.send(new m.DeleteSubnetCommand(i)),
    modifySubnetAttribute: (i) => c.send(new m.ModifySubnetAttributeCommand(i)),
    createInternetGateway: (i) => c.send(new m.CreateInternetGatewayCommand(i)),
    attachInternetGateway: (i) => c.send(new m.AttachInternetGatewayCommand(i)),
    detachInternetGateway: (i) => c.send(new m.DetachInternetGatewayCommand(i)),
    deleteInternetGateway: (i) => c.send(new m.DeleteInternetGatewayCommand(i)),
    describeInternetGateways: (i) => c.send(new m.DescribeInternetGatewaysCommand(i)),
    createRouteTable: (i) => c.send(new m.CreateRouteTableCommand(i)),
    createRoute: (i) => c.send(new m.CreateRouteCommand(i)),
    associateRouteTable: (i) => c.send(new m.AssociateRouteTableCommand(i)),
    disassociateRouteTable: (i) => c.send(new m.DisassociateRouteTableCommand(i)),
    deleteRouteTable: (i) => c.send(new m.DeleteRouteTableCommand(i)),
    describeRouteTables: (i) => c.send(new m.DescribeRouteTablesCommand(i)),
    createSecurityGroup: (i) => c.send(new m.CreateSecurityGroupCommand(i)),
    authorizeSecurityGroupIngress: (i) => c.send(new m.AuthorizeSecurityGroupIngressCommand(i)),
    revokeSecurityGroupIngress: (i) => c.send(new m.RevokeSecurityGroupIngressCommand(i)),
    describeSecurityGroups: (i) => c.send(new m.DescribeSecurityGroupsCommand(i)),
    deleteSecurityGroup: (i) => c.send(new m.DeleteSecurityGroupCommand(i)),
    importKeyPair: (i) => c.send(new m.ImportKeyPairCommand(i)),
    describeKeyPairs: (i) => c.send(new m.DescribeKeyPairsCommand(i)),
    deleteKeyPair: (i) => c.send(new m.DeleteKeyPairCommand(i)),
    runInstances: (i) => c.send(new m.RunInstancesCommand(i)),
    describeInstances: (i) => c.send(new m.DescribeInstancesCommand(i)),
    terminateInstances: (i) => c.send(new m.TerminateInstancesCommand(i)),
    createTags: (i) => c.send(new m.CreateTagsCommand(i)),
  };
}

async function loadEks(opts: Shared): Promise<Methods<EksApi>> {
  const m = await import('@aws-sdk/client-eks');
  const c = configure(opts, new m.EKSClient(await baseConfig(opts, opts.region)), 'eks');
  return {
    describeClusterVersions: (i) => c.send(new m.DescribeClusterVersionsCommand(i)),
    createCluster: (i) => c.send(new m.CreateClusterCommand(i)),
    describeCluster: (i) => c.send(new m.DescribeClusterCommand(i)),
    deleteCluster: (i) => c.send(new m.DeleteClusterCommand(i)),
    listClusters: (i) => c.send(new m.ListClustersCommand(i)),
    createNodegroup: (i) => c.send(new m.CreateNodegroupCommand(i)),
    describeNodegroup: (i) => c.send(new m.DescribeNodegroupCommand(i)),
    deleteNodegroup: (i) => c.send(new m.DeleteNodegroupCommand(i)),
    listNodegroups: (i) => c.send(new m.ListNodegroupsCommand(i)),
    updateNodegroupConfig: (i) => c.send(new m.UpdateNodegroupConfigCommand(i)),
    describeUpdate: (i) => c.send(new m.DescribeUpdateCommand(i)),
  };
}

async function loadIam(opts: Shared): Promise<Methods<IamApi>> {
  const m = await import('@aws-sdk/client-iam');
  const c = configure(opts, new m.IAMClient(await baseConfig(opts, HOME_REGION)), 'iam');
  return {
    createRole: (i) => c.send(new m.CreateRoleCommand(i)),
    getRole: (i) => c.send(new m.GetRoleCommand(i)),
    attachRolePolicy: (i) => c.send(new m.AttachRolePolicyCommand(i)),
    listAttachedRolePolicies: (i) => c.send(new m.ListAttachedRolePoliciesCommand(i)),
    detachRolePolicy: (i) => c.send(new m.DetachRolePolicyCommand(i)),
    deleteRole: (i) => c.send(new m.DeleteRoleCommand(i)),
  };
}

async function loadSsm(opts: Shared): Promise<Methods<SsmApi>> {
  const m = await import('@aws-sdk/client-ssm');
  const c = configure(opts, new m.SSMClient(await baseConfig(opts, opts.region)), 'ssm');
  return { getParameter: (i) => c.send(new m.GetParameterCommand(i)) };
}

async function loadSts(opts: Shared): Promise<Methods<StsApi>> {
  const m = await import('@aws-sdk/client-sts');
  const c = configure(opts, new m.STSClient(await baseConfig(opts, HOME_REGION)), 'sts');
  return { getCallerIdentity: (i) => c.send(new m.GetCallerIdentityCommand(i)) };
}

async function loadQuotas(opts: Shared): Promise<Methods<QuotasApi>> {
  const m = await import('@aws-sdk/client-service-quotas');
  const c = configure(opts, new m.ServiceQuotasClient(await baseConfig(opts, opts.region)), 'service-quotas');
  return { getServiceQuota: (i) => c.send(new m.GetServiceQuotaCommand(i)) };
}

/** All clients for one region and profile; each SDK loads on its first call. */
export function createAwsClients(options: ClientOptions): AwsClients {
  const opts: Shared = { ...options };
  const p = opts.profile;
  return {
    ec2: lazy<Ec2Api>('ec2', p, () => loadEc2(opts, opts.region)),
    ec2Home: lazy<Ec2Api>('ec2', p, () => loadEc2(opts, HOME_REGION)),
    eks: lazy<EksApi>('eks', p, () => loadEks(opts)),
    iam: lazy<IamApi>('iam', p, () => loadIam(opts)),
    ssm: lazy<SsmApi>('ssm', p, () => loadSsm(opts)),
    sts: lazy<StsApi>('sts', p, () => loadSts(opts)),
    quotas: lazy<QuotasApi>('service-quotas', p, () => loadQuotas(opts)),
  };
}
