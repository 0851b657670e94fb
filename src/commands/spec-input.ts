/**
 * Turning `create cluster` flags into a SpecInput, and knowing which required values are still missing
 * (so CI gets an error naming the flags and a terminal gets prompts).
 */
import { impliedType } from '../api/defaults.js';
import type { SpecInput } from '../api/input.js';
import type { RestoreFlags } from '../api/restore-flags.js';
import { InputError } from '../errors.js';

export interface CreateFlags extends RestoreFlags {
  name?: string;
  provider?: string;
  type?: string;
  region?: string;
  distribution?: string;
  k8sVersion?: string;
  controlPlanes?: number;
  workers?: number;
  etcd?: number;
  cpSize?: string;
  workerSize?: string;
  etcdSize?: string;
  lbSize?: string;
  spot?: boolean;
  allowCidr?: string[];
  vpcCidr?: string;
  profile?: string;
  subscription?: string;
  project?: string;
  file?: string;
  dryRun?: boolean;
  switch?: boolean;
}

/** commander value parser for counts: whole numbers only, negative ones left for validation to name. */
export function parseCount(flag: string) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v.trim())) throw new InputError(`${flag} must be a whole number, got "${v}"`, [flag]);
    return Number(v);
  };
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

export function inputFromFlags(f: CreateFlags): SpecInput {
  const pick = <T>(v: T | undefined) => (v === undefined ? undefined : v);
  const role = (count?: number, size?: string) =>
    count === undefined && size === undefined
      ? undefined
      : { ...(count !== undefined ? { count } : {}), ...(size !== undefined ? { size } : {}) };
  const input: SpecInput = {
    name: pick(f.name),
    provider: f.provider as SpecInput['provider'],
    type: f.type as SpecInput['type'],
    region: f.region,
    distribution: f.distribution as SpecInput['distribution'],
    kubernetesVersion: f.k8sVersion,
    controlPlane: role(f.controlPlanes, f.cpSize),
    workers: role(f.workers, f.workerSize),
    etcd: role(f.etcd, f.etcdSize),
    loadBalancer: f.lbSize !== undefined ? { size: f.lbSize } : undefined,
  };
  if (f.spot) input.workers = { ...(input.workers ?? {}), spot: true };
  if (f.allowCidr?.length || f.vpcCidr)
    input.network = {
      ...(f.allowCidr?.length ? { allowCidrs: f.allowCidr } : {}),
      ...(f.vpcCidr ? { cidr: f.vpcCidr } : {}),
    };
  if (f.profile || f.subscription || f.project) {
    input.credentials = {
      ...(f.profile ? { profile: f.profile } : {}),
      ...(f.subscription ? { subscriptionId: f.subscription } : {}),
      ...(f.project ? { project: f.project } : {}),
    };
  }
  return input;
}

/** Required values no source gave: [field, flag]. Everything else has a default. */
export function missingRequired(input: SpecInput): { field: string; flag: string }[] {
  const missing: { field: string; flag: string }[] = [];
  if (!input.name) missing.push({ field: 'name', flag: '[name] (or metadata.name in the file)' });
  if (!input.provider) missing.push({ field: 'provider', flag: '--provider aws|azure|gcp|local|ssh' });
  if (!input.type && !impliedType(input.provider)) missing.push({ field: 'type', flag: '--type managed|selfmanaged' });
  return missing;
}

export function missingError(missing: { field: string; flag: string }[]): InputError {
  return new InputError(
    `missing required value${missing.length > 1 ? 's' : ''}: ${missing.map((m) => m.field).join(', ')}; pass ${missing.map((m) => m.flag).join(', ')}`,
    missing.map((m) => m.field),
    { hint: 'without a terminal (or with CI=true / --yes) ksctl never prompts' },
  );
}
