// Names, addresses and the on-disk registry of test host sets.
// Several vitest workers (and several test files) may start host sets at the same time, so every
// shared resource is claimed atomically: a set id by mkdir, an address by creating its lease file
// with O_EXCL. Nothing needs a lock; cleanup.sh --stale only touches sets whose owner is dead.
// Keep the constants in sync with test/hosts/common.sh.
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KSH_ROOT = '/run/ksctl-test-hosts';
export const SUBNET = '10.199.77'; // /24; .1 is the root namespace's address on the bridge
export const NETNS_PREFIX = 'ksh-';
export const VETH_PREFIX = 'kshv';
// KSCTL_TEST_HOSTS_DIR: where these scripts are when this module was bundled elsewhere (npm run bench).
export const SCRIPTS_DIR = process.env.KSCTL_TEST_HOSTS_DIR ?? dirname(fileURLToPath(import.meta.url));
/** Where host-init.sh copies itself inside every host (for boot/halt via nsenter). */
export const IN_HOST_INIT = '/usr/local/lib/ksctl-test-host/host-init.sh';

const SETS = join(KSH_ROOT, 'sets');
const LEASES = join(KSH_ROOT, 'leases');
const FIRST_HOST_OCTET = 2;
const LAST_HOST_OCTET = 254;

export function script(name: string): string {
  return join(SCRIPTS_DIR, name);
}

export function setDir(setId: string): string {
  return join(SETS, setId);
}

export function hostDir(setId: string, netns: string): string {
  return join(SETS, setId, 'hosts', netns);
}

export function netnsName(setId: string, index: number): string {
  return `${NETNS_PREFIX}${setId}-${index}`;
}

/** Root-side veth; interface names are limited to 15 characters (4 + 6 + up to 3 digits). */
export function vethName(setId: string, index: number): string {
  return `${VETH_PREFIX}${setId}${index}`;
}

/** Locally administered MAC derived from the address (see net.sh for why it must be stable). */
export function macFor(address: string): string {
  const hex = address.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return `02:6b:${hex.join(':')}`;
}

/** "pid starttime" of this process: the start time tells a dead owner from a reused pid. */
function ownerRecord(): string {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return `${process.pid} ${fields[19] ?? ''}\n`;
}

/** Claims a fresh set id and records this process as its owner. */
export function registerSet(): string {
  mkdirSync(SETS, { recursive: true });
  for (;;) {
    const id = randomBytes(3).toString('hex');
    try {
      mkdirSync(setDir(id));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    const tmp = join(setDir(id), 'owner.tmp');
    writeFileSync(tmp, ownerRecord());
    renameSync(tmp, join(setDir(id), 'owner')); // a sweep never sees a half-written owner
    return id;
  }
}

/** Claims n free addresses for the set; throws (claiming none) when the subnet is exhausted. */
export function leaseAddresses(setId: string, n: number): string[] {
  mkdirSync(LEASES, { recursive: true });
  const got: string[] = [];
  for (let octet = FIRST_HOST_OCTET; octet <= LAST_HOST_OCTET && got.length < n; octet++) {
    const address = `${SUBNET}.${octet}`;
    let fd: number;
    try {
      fd = openSync(join(LEASES, address), 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    writeSync(fd, setId);
    closeSync(fd);
    got.push(address);
  }
  if (got.length < n) {
    for (const a of got) rmSync(join(LEASES, a), { force: true });
    throw new Error(
      `test hosts: only ${got.length} of ${n} addresses free in ${SUBNET}.0/24 (run test/hosts/cleanup.sh --all?)`,
    );
  }
  return got;
}
