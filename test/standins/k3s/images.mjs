// TEST STAND-IN support (not shipped): k3s's image preload. At start, once containerd answers, k3s
// imports every image archive in <data-dir>/agent/images into containerd's CRI namespace (k8s.io)
// before the kubelet starts; air-gapped installs put the pause image and the workload images there
// (ksctl's spec.airgap.images lands in /var/lib/rancher/k3s/agent/images). The launcher does the same
// with the REAL `ctr` built next to containerd (scripts/build-containerd.sh), unpacking for the
// snapshotter containerd's CRI uses. Only plain .tar archives (k3s also reads compressed ones; the test
// images are plain tarballs).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hostPath } from './lib/paths.mjs';
import { k3sLog } from './lib/log.mjs';
import { ctrBin } from './binaries.mjs';

/** Import <dataDir>/agent/images/*.tar into containerd at `socket`; returns the archives imported. */
export function importImages(dataDir, socket, snapshotter) {
  const dir = hostPath(`${dataDir}/agent/images`);
  if (!fs.existsSync(dir)) return [];
  const archives = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.tar'))
    .sort();
  for (const f of archives) {
    execFileSync(
      ctrBin(),
      [
        '--address',
        socket,
        '--namespace',
        'k8s.io',
        'images',
        'import',
        // In ctr's own process: the transfer service would unpack only for its configured
        // (default: overlayfs) snapshotter and refuses `native` ("no unpack platforms defined").
        '--local',
        '--snapshotter',
        snapshotter,
        '--label',
        'io.cri-containerd.pinned=pinned',
        path.join(dir, f),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
    k3sLog.info(`Imported images from ${path.join(dir, f)}`);
  }
  return archives;
}
