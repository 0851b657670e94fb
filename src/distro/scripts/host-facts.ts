/**
 * What ksctl reads from a machine before installing anything on it. Today: the cgroup hierarchy. The
 * kubelet of Kubernetes 1.35 and later refuses to start on cgroup v1 (`failCgroupV1` defaults to true),
 * and it tells by the filesystem type at /sys/fs/cgroup, as this check does: `cgroup2fs` is the unified
 * (v2) hierarchy; `tmpfs` (v1, or hybrid with v2 beside it) is not, nor is a machine (or container)
 * with no cgroup filesystem mounted there at all (`sysfs`).
 */
import { makeScript } from './common.js';
import type { Script } from './types.js';

export const CGROUP2_FS = 'cgroup2fs';

/** Prints `cgroup-fs <type>`; changes nothing. */
export function hostFactsScript(): Script {
  return makeScript({
    name: 'host-facts',
    description: 'read the cgroup hierarchy (the kubelet needs cgroup v2)',
    body: ['printf \'cgroup-fs %s\\n\' "$(stat -fc %T /sys/fs/cgroup 2>/dev/null || echo unknown)"'],
  });
}

export interface HostFacts {
  /** Filesystem type at /sys/fs/cgroup: `cgroup2fs` for cgroup v2. */
  cgroupFs: string;
}

export function parseHostFacts(stdout: string): HostFacts {
  const fs = /^cgroup-fs (\S+)$/m.exec(stdout)?.[1];
  return { cgroupFs: fs ?? 'unknown' };
}
