/** Small IPv4 CIDR arithmetic for carving per-zone subnets out of the VPC range. */
import { InputError } from '../../errors.js';

export interface Cidr {
  base: number;
  prefix: number;
}

export function parseCidr(text: string, field = 'spec.network.cidr'): Cidr {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  const parts = m?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(m?.[5]);
  if (!m || parts.some((p) => p > 255) || prefix > 32) {
    throw new InputError(`"${text}" is not an IPv4 CIDR`, [field], { hint: 'for example 10.0.0.0/16' });
  }
  const ip = parts.reduce((acc, p) => acc * 256 + p, 0);
  const size = 2 ** (32 - prefix);
  return { base: ip - (ip % size), prefix };
}

export function formatCidr(c: Cidr): string {
  const b = c.base;
  return `${Math.floor(b / 2 ** 24) % 256}.${Math.floor(b / 2 ** 16) % 256}.${Math.floor(b / 2 ** 8) % 256}.${b % 256}/${c.prefix}`;
}

/** Subnets are 16× smaller than the VPC (a /16 gives /20s), never smaller than /28. */
export function subnetPrefix(vpc: Cidr): number {
  return Math.min(vpc.prefix + 4, 28);
}

/** The `index`th subnet of the VPC range. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const vpc = parseCidr(vpcCidr);
  const prefix = subnetPrefix(vpc);
  return formatCidr({ base: vpc.base + index * 2 ** (32 - prefix), prefix });
}

/** AWS accepts VPC ranges from /16 to /28; we need room for three /20-ish subnets. */
export function checkVpcCidr(text: string): void {
  const c = parseCidr(text);
  if (c.prefix < 16 || c.prefix > 24) {
    throw new InputError(`VPC range ${text} must be between /16 and /24`, ['spec.network.cidr']);
  }
}

/** An operator CIDR (`1.2.3.4/32`, `0.0.0.0/0`, or an IPv6 range). */
export function isCidr(text: string): boolean {
  if (/^[0-9a-fA-F:]+\/\d{1,3}$/.test(text) && text.includes(':')) return true;
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

export function isIpv6(text: string): boolean {
  return text.includes(':');
}
