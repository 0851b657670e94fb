/**
 * `config.ipMap`: the public IP and the NIC of a machine get the addresses of the SSH test host
 * that plays it, instead of made-up ones. A resource belongs to the machine named by its
 * `ksctl.io/machine` tag (set by src/cloud/azure/machines.ts on the IP, NIC and VM at creation),
 * else by its name without ksctl's `-ip` / `-nic` suffix (src/cloud/azure/naming.ts), so a map
 * keyed by machine name works for ARM bodies that carry no tags too.
 */
import type { MappedAddress } from './catalog.js';
import { kindOf, type ArmRes } from './model.js';

export const MACHINE_TAG = 'ksctl.io/machine';

/** The machine a public IP, NIC or VM belongs to. */
export function machineOf(r: Pick<ArmRes, 'name' | 'type' | 'tags'>): string {
  const tagged = r.tags[MACHINE_TAG];
  if (tagged) return tagged;
  const kind = kindOf(r.type);
  if (kind === 'publicIPAddresses') return r.name.replace(/-ip$/, '');
  if (kind === 'networkInterfaces') return r.name.replace(/-nic$/, '');
  return r.name;
}

/** What `ipMap` says this resource's addresses are (empty when it names no such machine). */
export function mappedAddress(
  r: Pick<ArmRes, 'name' | 'type' | 'tags'>,
  ipMap: Record<string, MappedAddress>,
): MappedAddress {
  return ipMap[machineOf(r)] ?? {};
}
