/**
 * containerd's configuration for a kubeadm node: the systemd cgroup driver (what kubeadm configures the
 * kubelet with) and the sandbox ("pause") image kubeadm expects. The keys moved in containerd 2.0, so
 * the node script reads the installed containerd's version and writes the matching file (keys from
 * containerd's docs/cri/config.md):
 * - containerd 1.x, config version 2: `[plugins."io.containerd.grpc.v1.cri"] sandbox_image`, runc
 *   options under `io.containerd.grpc.v1.cri`;
 * - containerd 2.x, config version 3: `[plugins.'io.containerd.cri.v1.images'.pinned_images] sandbox`,
 *   runc options under `io.containerd.cri.v1.runtime`.
 * Only these keys are written: containerd fills every other setting with its own defaults, so the file
 * does not depend on what `containerd config default` prints in a given release.
 */
import { heredoc } from './common.js';

export const CONTAINERD_CONFIG_PATH = '/etc/containerd/config.toml';

/** TOML basic strings: the image reference is ours (registry.k8s.io/pause:x), checked anyway. */
function tomlString(value: string): string {
  if (!/^[A-Za-z0-9./:@_-]+$/.test(value)) throw new Error(`not an image reference: ${value}`);
  return `"${value}"`;
}

/** containerd 1.x (1.6, 1.7): config version 2. */
export function containerdConfigV2(sandboxImage: string): string {
  return [
    'version = 2',
    '',
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = ${tomlString(sandboxImage)}`,
    '',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    '  SystemdCgroup = true',
    '',
  ].join('\n');
}

/** containerd 2.x: config version 3 (the CRI plugin split into images and runtime). */
export function containerdConfigV3(sandboxImage: string): string {
  return [
    'version = 3',
    '',
    "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
    `  sandbox = ${tomlString(sandboxImage)}`,
    '',
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]",
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
    '  SystemdCgroup = true',
    '',
  ].join('\n');
}

/**
 * Bash that writes the config matching the installed containerd. `containerd --version` prints e.g.
 * `containerd github.com/containerd/containerd/v2 v2.1.4 <rev>` or, from Debian,
 * `containerd github.com/containerd/containerd 1.6.20~ds1 ...`: the first x.y.z decides.
 */
export function containerdConfigLines(sandboxImage: string): string[] {
  return [
    "containerd_version=$(containerd --version | grep -oE '[[:space:]]v?[0-9]+\\.[0-9]+\\.[0-9]+' | sed -n 1p | tr -d ' v')",
    '[ -n "$containerd_version" ] || die "cannot tell the containerd version from: $(containerd --version)"',
    'if [ "${containerd_version%%.*}" -ge 2 ]; then',
    `  write_file ${CONTAINERD_CONFIG_PATH} 0644 root:root ${heredoc(containerdConfigV3(sandboxImage))}`,
    'else',
    `  write_file ${CONTAINERD_CONFIG_PATH} 0644 root:root ${heredoc(containerdConfigV2(sandboxImage))}`,
    'fi',
    'log "containerd $containerd_version: sandbox image ' + sandboxImage + ', systemd cgroups"',
  ];
}
