#!/usr/bin/env node
// Builds the container images an air-gapped kubeadm v1.37.2 cluster needs, locally (no registry is
// reachable), as OCI image layout tarballs that `ctr -n k8s.io images import` reads (each also carries a
// docker-archive manifest.json), into ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/images-<k8s version>/.
// Every image is one layer made from binaries built here or shipped by Debian, tagged with the name
// kubeadm v1.37.2 expects (`kubeadm config images list --kubernetes-version v1.37.2`):
//   registry.k8s.io/{kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy}:v1.37.2
//     the binaries of scripts/build-kubernetes.sh in /usr/local/bin (kube-proxy also gets Debian's
//     iptables (nft) and conntrack with their libraries: it runs iptables-restore inside its container);
//   registry.k8s.io/pause:3.10.2            test/images/pause (a static Go program, built here);
//   registry.k8s.io/coredns/coredns:v1.14.6 scripts/build-coredns.sh's coredns (skipped if not built);
//   registry.k8s.io/etcd:3.7.0-0            etcd, etcdctl and etcdutl in /usr/local/bin as upstream's image
//     has them, from scripts/build-etcd.sh's tarball of that etcd version (kubeadm's stacked etcd; the tag is
//     the one the built kubeadm names; skipped if that etcd is not built);
//   ksctl.test/cni-bridge:v1                Debian's CNI plugins (bridge, host-local, loopback, portmap),
//     busybox and kubectl: test/images/cni-bridge/install.sh writes the node's bridge conflist;
//   ksctl.test/busybox:1.35                 Debian's busybox-static (the e2e's workload).
// A second run finds the stamp (a hash of this script and every input file) and returns at once.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.KSCTL_TEST_CACHE ?? '/var/cache/ksctl-test';
const K8S = process.env.KUBERNETES_VERSION ?? 'v1.37.2';
const PAUSE = '3.10.2';
const COREDNS = process.env.COREDNS_VERSION ?? 'v1.14.6';
const kubeBin = path.join(CACHE, `kubernetes-${K8S}`);
const corednsBin = path.join(CACHE, `coredns-${COREDNS}`, 'coredns');
const out = path.join(CACHE, `images-${K8S}`);
const LIBDIR = '/usr/lib/x86_64-linux-gnu';
const ETCD_TOOLS = ['etcd', 'etcdctl', 'etcdutl'];

/**
 * The etcd image this kubeadm runs as stacked etcd, exactly as it names it (`registry.k8s.io/etcd:3.7.0-0`),
 * and the release tarball of that etcd version scripts/build-etcd.sh builds (the `-0` is the image's own
 * revision, not etcd's). Undefined when kubeadm is not built.
 */
function etcdImage() {
  const kubeadm = path.join(kubeBin, 'kubeadm');
  if (!existsSync(kubeadm)) return undefined;
  const ref = execFileSync(kubeadm, ['config', 'images', 'list', '--kubernetes-version', K8S], { encoding: 'utf8' })
    .split('\n')
    .find((l) => /^registry\.k8s\.io\/etcd:/.test(l));
  if (!ref) return undefined;
  const version = `v${ref.slice(ref.lastIndexOf(':') + 1).replace(/-\d+$/, '')}`;
  const name = `etcd-${version}-linux-amd64`;
  return { ref, version, name, tarball: path.join(CACHE, `etcd-${version}`, `${name}.tar.gz`) };
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/** Each image: its reference, file name, the files of its one layer and its config. */
function images() {
  const list = [];
  const kube = (name, extra = []) => ({
    ref: `registry.k8s.io/${name}:${K8S}`,
    file: `${name}.tar`,
    files: [[path.join(kubeBin, name), `/usr/local/bin/${name}`], ...extra],
    config: { Entrypoint: [`/usr/local/bin/${name}`] },
  });
  for (const n of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) list.push(kube(n));
  // iptables loads its match/target extensions (libxt_*.so) at run time: they and their libraries too.
  const xtables = readdirSync(`${LIBDIR}/xtables`)
    .filter((f) => f.endsWith('.so'))
    .map((f) => `${LIBDIR}/xtables/${f}`);
  const proxyFiles = [
    ...withLibraries('/usr/sbin/xtables-nft-multi'),
    ...withLibraries('/usr/sbin/conntrack'),
    ...xtables.flatMap(withLibraries),
  ];
  list.push(kube('kube-proxy', [...new Map(proxyFiles.map((f) => [f[1], f])).values()]));
  list.push({
    ref: `registry.k8s.io/pause:${PAUSE}`,
    file: 'pause.tar',
    files: [[path.join(out, 'build', 'bin', 'pause'), '/pause']],
    config: { Entrypoint: ['/pause'] },
  });
  if (existsSync(corednsBin))
    list.push({
      ref: `registry.k8s.io/coredns/coredns:${COREDNS}`,
      file: 'coredns.tar',
      files: [[corednsBin, '/coredns']],
      config: { Entrypoint: ['/coredns'] },
    });
  const etcd = etcdImage();
  if (etcd && existsSync(etcd.tarball)) {
    // Unpacked under build/ by main() before the layer is made; the stamp hashes the tarball itself.
    const bin = path.join(out, 'build', etcd.name);
    list.push({
      ref: etcd.ref,
      file: 'etcd.tar',
      files: ETCD_TOOLS.map((b) => [path.join(bin, b), `/usr/local/bin/${b}`]),
      unpack: { tarball: etcd.tarball, dir: bin },
      // No entrypoint, as upstream's: kubeadm's static pod names the command (etcd), ctr runs etcdctl/etcdutl.
      config: {},
    });
  } else if (etcd) {
    console.log(`images ${K8S}: no ${etcd.ref} (${etcd.tarball} is not built: scripts/build-etcd.sh with its wrapper)`);
  }
  const plugins = ['bridge', 'host-local', 'loopback', 'portmap'].map((p) => [`/usr/lib/cni/${p}`, `/cni/bin/${p}`]);
  list.push({
    ref: 'ksctl.test/cni-bridge:v1',
    file: 'cni-bridge.tar',
    files: [
      ['/bin/busybox', '/bin/busybox'],
      [path.join(kubeBin, 'kubectl'), '/usr/local/bin/kubectl'],
      [path.join(ROOT, 'test/images/cni-bridge/install.sh'), '/install.sh'],
      ...plugins,
    ],
    config: { Entrypoint: ['/bin/sh', '/install.sh'] },
  });
  list.push({
    ref: 'ksctl.test/busybox:1.35',
    file: 'busybox.tar',
    files: [['/bin/busybox', '/bin/busybox']],
    config: { Cmd: ['/bin/sh'] },
  });
  return list;
}

/** A dynamically linked Debian binary and the libraries ldd lists (at their real paths). */
function withLibraries(bin) {
  const libs = execFileSync('ldd', [bin], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.match(/(\/\S+) \(0x/)?.[1])
    .filter(Boolean);
  return [[bin, bin], ...libs.map((l) => [realpathSync(l), l])];
}

/** The iptables entry points kube-proxy runs, all the nft multi-binary (as Debian's alternatives). */
const IPTABLES_LINKS = [
  'iptables',
  'iptables-save',
  'iptables-restore',
  'ip6tables',
  'ip6tables-save',
  'ip6tables-restore',
  'iptables-nft',
  'iptables-nft-save',
  'iptables-nft-restore',
  'ip6tables-nft',
  'ip6tables-nft-save',
  'ip6tables-nft-restore',
];

function stage(img, dir) {
  for (const [from, to] of img.files) {
    const dest = path.join(dir, to);
    mkdirSync(path.dirname(dest), { recursive: true });
    if (statSync(from).isDirectory()) cpSync(from, dest, { recursive: true, dereference: true });
    else copyFileSync(from, dest);
    if (!statSync(from).isDirectory()) chmodSync(dest, statSync(from).mode & 0o7777);
  }
  if (img.files.some(([, to]) => to === '/usr/sbin/xtables-nft-multi')) {
    for (const l of IPTABLES_LINKS) symlinkSync('xtables-nft-multi', path.join(dir, 'usr/sbin', l));
  }
  if (img.files.some(([, to]) => to === '/bin/busybox')) {
    for (const applet of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' })
      .split('\n')
      .filter((a) => a && a !== 'busybox')) {
      if (!existsSync(path.join(dir, 'bin', applet))) symlinkSync('busybox', path.join(dir, 'bin', applet));
    }
  }
  for (const d of ['tmp', 'etc', 'var/run']) mkdirSync(path.join(dir, d), { recursive: true });
  chmodSync(path.join(dir, 'tmp'), 0o1777);
  writeFileSync(
    path.join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}

/** One image as an OCI layout (+ docker manifest.json) tarball. */
function build(img, work) {
  const rootfs = path.join(work, 'rootfs');
  const layout = path.join(work, 'layout');
  const blobs = path.join(layout, 'blobs', 'sha256');
  mkdirSync(rootfs, { recursive: true });
  mkdirSync(blobs, { recursive: true });
  stage(img, rootfs);
  // Reproducible layer: sorted, owned by root, fixed mtime; gzip -n drops the name and time.
  const tar = path.join(work, 'layer.tar');
  execFileSync('tar', [
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '-C',
    rootfs,
    '-cf',
    tar,
    '.',
  ]);
  const diffId = sha256(readFileSync(tar));
  execFileSync('gzip', ['-n', '-1', tar]);
  const layer = readFileSync(`${tar}.gz`);
  const layerDigest = sha256(layer);
  writeFileSync(path.join(blobs, layerDigest), layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], ...img.config },
      rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'ksctl scripts/build-images.mjs' }],
    }),
  );
  const configDigest = sha256(config);
  writeFileSync(path.join(blobs, configDigest), config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${configDigest}`,
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: `sha256:${layerDigest}`,
          size: layer.length,
        },
      ],
    }),
  );
  const manifestDigest = sha256(manifest);
  writeFileSync(path.join(blobs, manifestDigest), manifest);
  const tag = img.ref.slice(img.ref.lastIndexOf(':') + 1);
  writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${manifestDigest}`,
          size: manifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: { 'io.containerd.image.name': img.ref, 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  writeFileSync(
    path.join(layout, 'manifest.json'),
    JSON.stringify([
      { Config: `blobs/sha256/${configDigest}`, RepoTags: [img.ref], Layers: [`blobs/sha256/${layerDigest}`] },
    ]),
  );
  const file = path.join(out, img.file);
  execFileSync('tar', [
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '-C',
    layout,
    '-cf',
    `${file}.tmp`,
    '.',
  ]);
  execFileSync('mv', ['-f', `${file}.tmp`, file]);
  return statSync(file).size;
}

/** The stamp: this script, the pause source, the CNI installer and every input binary (size + mtime). */
function stampOf(list) {
  const h = createHash('sha256');
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const f of ['test/images/pause/main.go', 'test/images/cni-bridge/install.sh'])
    h.update(readFileSync(path.join(ROOT, f)));
  for (const img of list) {
    if (img.unpack) {
      const s = statSync(img.unpack.tarball);
      h.update(`${img.ref} ${img.unpack.tarball} ${s.size} ${s.mtimeMs}\n`);
    }
    for (const [from] of img.files) {
      if (from.startsWith(out)) continue;
      const s = statSync(from);
      h.update(`${img.ref} ${from} ${s.size} ${s.mtimeMs}\n`);
    }
  }
  return h.digest('hex').slice(0, 16);
}

function main() {
  const missing = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'kubectl'].filter(
    (b) => !existsSync(path.join(kubeBin, b)),
  );
  if (missing.length) {
    console.log(`images ${K8S}: ${missing.join(', ')} not built (scripts/build-kubernetes.sh); skipping the images`);
    return;
  }
  for (const f of ['/bin/busybox', '/usr/sbin/xtables-nft-multi', '/usr/sbin/conntrack', '/usr/lib/cni/bridge']) {
    if (!existsSync(f))
      throw new Error(
        `images: ${f} is missing (install-test-deps.sh installs busybox-static, iptables, conntrack, containernetworking-plugins)`,
      );
  }
  const list = images();
  const stamp = stampOf(list);
  const stampFile = path.join(out, 'stamp');
  if (
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8').trim() === stamp &&
    list.every((i) => existsSync(path.join(out, i.file)))
  ) {
    console.log(`images ${K8S}: cached at ${out} (${list.map((i) => i.file).join(', ')})`);
    return;
  }
  const start = Date.now();
  mkdirSync(path.join(out, 'build'), { recursive: true });
  rmSync(stampFile, { force: true });
  // pause: the sandbox's one process, a static Go program (no module dependencies).
  execFileSync('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', path.join(out, 'build', 'bin', 'pause'), '.'], {
    cwd: path.join(ROOT, 'test/images/pause'),
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
    stdio: 'inherit',
  });
  for (const img of list) {
    if (img.unpack) {
      rmSync(img.unpack.dir, { recursive: true, force: true });
      mkdirSync(img.unpack.dir, { recursive: true });
      execFileSync('tar', ['-xzf', img.unpack.tarball, '-C', img.unpack.dir, '--strip-components=1']);
    }
    const work = path.join(out, 'build', img.file.replace(/\.tar$/, ''));
    rmSync(work, { recursive: true, force: true });
    const size = build(img, work);
    rmSync(work, { recursive: true, force: true });
    console.log(`images ${K8S}: ${img.ref} -> ${img.file} (${Math.round(size / 1048576)} MiB)`);
  }
  for (const f of readdirSync(out))
    if (f.endsWith('.tar') && !list.some((i) => i.file === f)) rmSync(path.join(out, f));
  writeFileSync(stampFile, `${stamp}\n`);
  console.log(
    `images ${K8S}: built ${list.length} images into ${out} in ${((Date.now() - start) / 1000).toFixed(1)} s${existsSync(corednsBin) ? '' : ' (no coredns: scripts/build-coredns.sh did not build it)'}`,
  );
}

main();
