/**
 * The narrow SDK boundary: only the AWS calls this provider makes. Types only — nothing here loads
 * an SDK. Implementations (clients.ts) are one `client.send(new XCommand(input))` each, so a fake
 * installed at the SDK's transport sees exactly these calls.
 */
import type * as EC2 from '@aws-sdk/client-ec2';
import type * as EKS from '@aws-sdk/client-eks';
import type * as IAM from '@aws-sdk/client-iam';
import type * as SQ from '@aws-sdk/client-service-quotas';
import type * as SSM from '@aws-sdk/client-ssm';
import type * as STS from '@aws-sdk/client-sts';

type Call<I, O> = (input: I) => Promise<O>;

export interface Ec2Api {
  describeRegions: Call<EC2.DescribeRegionsCommandInput, EC2.DescribeRegionsCommandOutput>;
  describeAvailabilityZones: Call<
    EC2.DescribeAvailabilityZonesCommandInput,
    EC2.DescribeAvailabilityZonesCommandOutput
  >;
  describeInstanceTypeOfferings: Call<
    EC2.DescribeInstanceTypeOfferingsCommandInput,
    EC2.DescribeInstanceTypeOfferingsCommandOutput
  >;
  describeInstanceTypes: Call<EC2.DescribeInstanceTypesCommandInput, EC2.DescribeInstanceTypesCommandOutput>;
  createVpc: Call<EC2.CreateVpcCommandInput, EC2.CreateVpcCommandOutput>;
  describeVpcs: Call<EC2.DescribeVpcsCommandInput, EC2.DescribeVpcsCommandOutput>;
  deleteVpc: Call<EC2.DeleteVpcCommandInput, EC2.DeleteVpcCommandOutput>;
  modifyVpcAttribute: Call<EC2.ModifyVpcAttributeCommandInput, EC2.ModifyVpcAttributeCommandOutput>;
  createSubnet: Call<EC2.CreateSubnetCommandInput, EC2.CreateSubnetCommandOutput>;
  describeSubnets: Call<EC2.DescribeSubnetsCommandInput, EC2.DescribeSubnetsCommandOutput>;
  deleteSubnet: Call<EC2.DeleteSubnetCommandInput, EC2.DeleteSubnetCommandOutput>;
  modifySubnetAttribute: Call<EC2.ModifySubnetAttributeCommandInput, EC2.ModifySubnetAttributeCommandOutput>;
  createInternetGateway: Call<EC2.CreateInternetGatewayCommandInput, EC2.CreateInternetGatewayCommandOutput>;
  attachInternetGateway: Call<EC2.AttachInternetGatewayCommandInput, EC2.AttachInternetGatewayCommandOutput>;
  detachInternetGateway: Call<EC2.DetachInternetGatewayCommandInput, EC2.DetachInternetGatewayCommandOutput>;
  deleteInternetGateway: Call<EC2.DeleteInternetGatewayCommandInput, EC2.DeleteInternetGatewayCommandOutput>;
  describeInternetGateways: Call<EC2.DescribeInternetGatewaysCommandInput, EC2.DescribeInternetGatewaysCommandOutput>;
  createRouteTable: Call<EC2.CreateRouteTableCommandInput, EC2.CreateRouteTableCommandOutput>;
  createRoute: Call<EC2.CreateRouteCommandInput, EC2.CreateRouteCommandOutput>;
  associateRouteTable: Call<EC2.AssociateRouteTableCommandInput, EC2.AssociateRouteTableCommandOutput>;
  disassociateRouteTable: Call<EC2.DisassociateRouteTableCommandInput, EC2.DisassociateRouteTableCommandOutput>;
  deleteRouteTable: Call<EC2.DeleteRouteTableCommandInput, EC2.DeleteRouteTableCommandOutput>;
  describeRouteTables: Call<EC2.DescribeRouteTablesCommandInput, EC2.DescribeRouteTablesCommandOutput>;
  createSecurityGroup: Call<EC2.CreateSecurityGroupCommandInput, EC2.CreateSecurityGroupCommandOutput>;
  authorizeSecurityGroupIngress: Call<
    EC2.AuthorizeSecurityGroupIngressCommandInput,
    EC2.AuthorizeSecurityGroupIngressCommandOutput
  >;
  revokeSecurityGroupIngress: Call<
    EC2.RevokeSecurityGroupIngressCommandInput,
    EC2.RevokeSecurityGroupIngressCommandOutput
  >;
  describeSecurityGroups: Call<EC2.DescribeSecurityGroupsCommandInput, EC2.DescribeSecurityGroupsCommandOutput>;
  deleteSecurityGroup: Call<EC2.DeleteSecurityGroupCommandInput, EC2.DeleteSecurityGroupCommandOutput>;
  importKeyPair: Call<EC2.ImportKeyPairCommandInput, EC2.ImportKeyPairCommandOutput>;
  describeKeyPairs: Call<EC2.DescribeKeyPairsCommandInput, EC2.DescribeKeyPairsCommandOutput>;
  deleteKeyPair: Call<EC2.DeleteKeyPairCommandInput, EC2.DeleteKeyPairCommandOutput>;
  runInstances: Call<EC2.RunInstancesCommandInput, EC2.RunInstancesCommandOutput>;
  describeInstances: Call<EC2.DescribeInstancesCommandInput, EC2.DescribeInstancesCommandOutput>;
  terminateInstances: Call<EC2.TerminateInstancesCommandInput, EC2.TerminateInstancesCommandOutput>;
  createTags: Call<EC2.CreateTagsCommandInput, EC2.CreateTagsCommandOutput>;
}

export interface EksApi {
  describeClusterVersions: Call<EKS.DescribeClusterVersionsCommandInput, EKS.DescribeClusterVersionsCommandOutput>;
  createCluster: Call<EKS.CreateClusterCommandInput, EKS.CreateClusterCommandOutput>;
  describeCluster: Call<EKS.DescribeClusterCommandInput, EKS.DescribeClusterCommandOutput>;
  deleteCluster: Call<EKS.DeleteClusterCommandInput, EKS.DeleteClusterCommandOutput>;
  listClusters: Call<EKS.ListClustersCommandInput, EKS.ListClustersCommandOutput>;
  createNodegroup: Call<EKS.CreateNodegroupCommandInput, EKS.CreateNodegroupCommandOutput>;
  describeNodegroup: Call<EKS.DescribeNodegroupCommandInput, EKS.DescribeNodegroupCommandOutput>;
  deleteNodegroup: Call<EKS.DeleteNodegroupCommandInput, EKS.DeleteNodegroupCommandOutput>;
  listNodegroups: Call<EKS.ListNodegroupsCommandInput, EKS.ListNodegroupsCommandOutput>;
  updateNodegroupConfig: Call<EKS.UpdateNodegroupConfigCommandInput, EKS.UpdateNodegroupConfigCommandOutput>;
  describeUpdate: Call<EKS.DescribeUpdateCommandInput, EKS.DescribeUpdateCommandOutput>;
}

export interface IamApi {
  createRole: Call<IAM.CreateRoleCommandInput, IAM.CreateRoleCommandOutput>;
  getRole: Call<IAM.GetRoleCommandInput, IAM.GetRoleCommandOutput>;
  attachRolePolicy: Call<IAM.AttachRolePolicyCommandInput, IAM.AttachRolePolicyCommandOutput>;
  listAttachedRolePolicies: Call<IAM.ListAttachedRolePoliciesCommandInput, IAM.ListAttachedRolePoliciesCommandOutput>;
  detachRolePolicy: Call<IAM.DetachRolePolicyCommandInput, IAM.DetachRolePolicyCommandOutput>;
  deleteRole: Call<IAM.DeleteRoleCommandInput, IAM.DeleteRoleCommandOutput>;
}

export interface SsmApi {
  getParameter: Call<SSM.GetParameterCommandInput, SSM.GetParameterCommandOutput>;
}

export interface StsApi {
  getCallerIdentity: Call<STS.GetCallerIdentityCommandInput, STS.GetCallerIdentityCommandOutput>;
}

export interface QuotasApi {
  getServiceQuota: Call<SQ.GetServiceQuotaCommandInput, SQ.GetServiceQuotaCommandOutput>;
}

/** Every client the provider uses, bound to the cluster's region (IAM and `home` are global). */
export interface AwsClients {
  ec2: Ec2Api;
  /** EC2 in a region that always exists, for DescribeRegions before the target region is trusted. */
  ec2Home: Ec2Api;
  eks: EksApi;
  iam: IamApi;
  ssm: SsmApi;
  sts: StsApi;
  quotas: QuotasApi;
}

export type AwsService = 'ec2' | 'eks' | 'iam' | 'ssm' | 'sts' | 'service-quotas';

/** Shorthand used across the provider. */
export type Tag = EC2.Tag;
export type InstanceTypeName = EC2._InstanceType;
export type Filter = EC2.Filter;
export type Instance = EC2.Instance;
export type RunInstancesInput = EC2.RunInstancesCommandInput;
export type SecurityGroup = EC2.SecurityGroup;
export type IpPermission = EC2.IpPermission;
