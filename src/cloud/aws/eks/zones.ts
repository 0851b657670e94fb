/**
 * Zone IDs where EKS cannot place a cluster's control-plane subnets: CreateCluster answers
 * UnsupportedAvailabilityZoneException. From the EKS user guide (network requirements, subnets):
 * use1-az3, usw1-az2, cac1-az3; and cnn1-az4, which eksctl avoids too (eksctl-io/eksctl#3916).
 * Zone IDs, not names: names map to different physical zones in every account.
 */
export const EKS_UNSUPPORTED_ZONE_IDS: ReadonlySet<string> = new Set(['use1-az3', 'usw1-az2', 'cac1-az3', 'cnn1-az4']);
