/**
 * "Re-running after a failure at ANY line converges": for each scenario, every stubbed command the
 * script calls is made to fail in turn (the k-th call of a clean run); the script is then re-run
 * without failures and must succeed, leave the same files as a clean run, and have (re)loaded its
 * service after the last change to those files.
 */
import { describe, expect, it } from 'vitest';
import {
  etcdMemberScript,
  haproxyScript,
  k3sServerInitScript,
  kubeadmInitScript,
  kubeadmInstallScript,
  type Script,
} from '../../../src/distro/scripts/index.js';
import { ETCD, LB, controlPlanes } from './matrix.js';
import { builtEtcdReleaseSpec } from '../../helpers/etcd-release.js';
import { Sandbox } from './sandbox.js';

interface Scenario {
  name: string;
  script: Script;
  env?: Record<string, string>;
  /** Brings the sandbox to the starting state (uploads, an earlier converged run). */
  setup?: (sb: Sandbox) => void;
  files: string[];
  unit: string;
}

const node = {
  cluster: 'demo',
  kubernetesVersion: '1.37',
  node: { name: 'cp-0', address: '10.0.2.10' },
  providerId: 'ksctl://demo/cp-0',
  loadBalancer: LB,
  timeoutSeconds: 3,
};
// Air-gapped, so the real install (checksum, unpack, place) runs in the sandbox without a network.
const etcdInput = {
  cluster: 'demo',
  name: 'etcd-0',
  address: '10.0.1.10',
  members: ETCD,
  timeoutSeconds: 3,
  airgap: {},
  release: builtEtcdReleaseSpec(),
};
const putEtcdCerts = (sb: Sandbox, tag = ''): void => {
  sb.putEtcdTarball();
  for (const f of ['ca.crt', 'server.crt', 'server.key', 'peer.crt', 'peer.key'])
    sb.put(`/etc/etcd/pki/${f}`, `${f}${tag}\n`);
};
const K3S_ENV = { K3S_TOKEN: 'planted-k3s-token-1234567890' };
const KUBEADM_ENV = { KUBEADM_TOKEN: 'abcdef.0123456789abcdef', KUBEADM_CERT_KEY: 'e'.repeat(64) };

const SCENARIOS: Scenario[] = [
  {
    name: 'haproxy, fresh',
    script: haproxyScript({ controlPlanes: controlPlanes(1) }),
    files: ['/etc/haproxy/haproxy.cfg'],
    unit: 'haproxy',
  },
  {
    name: 'haproxy, scaled from 1 to 3 control planes',
    script: haproxyScript({ controlPlanes: controlPlanes(3) }),
    setup: (sb) => expect(sb.run(haproxyScript({ controlPlanes: controlPlanes(1) })).code).toBe(0),
    files: ['/etc/haproxy/haproxy.cfg'],
    unit: 'haproxy',
  },
  {
    name: 'etcd member, fresh',
    script: etcdMemberScript(etcdInput),
    setup: (sb) => putEtcdCerts(sb),
    files: ['/etc/systemd/system/ksctl-etcd.service', '/etc/etcd/pki/server.crt'],
    unit: 'ksctl-etcd',
  },
  {
    name: 'etcd member, certificates rotated',
    script: etcdMemberScript(etcdInput),
    setup: (sb) => {
      putEtcdCerts(sb);
      const first = sb.run(etcdMemberScript(etcdInput));
      expect(first.code, first.stderr).toBe(0);
      putEtcdCerts(sb, ' rotated');
    },
    files: ['/etc/systemd/system/ksctl-etcd.service', '/etc/etcd/pki/server.crt'],
    unit: 'ksctl-etcd',
  },
  {
    name: 'k3s first server, fresh',
    script: k3sServerInitScript(node),
    env: K3S_ENV,
    files: ['/etc/rancher/k3s/config.yaml', '/etc/rancher/k3s/ksctl-token'],
    unit: 'k3s',
  },
  {
    name: 'k3s first server, new SAN',
    script: k3sServerInitScript({ ...node, loadBalancer: { ...LB, extraSans: ['api.example.com'] } }),
    env: K3S_ENV,
    setup: (sb) => expect(sb.run(k3sServerInitScript(node), K3S_ENV).code).toBe(0),
    files: ['/etc/rancher/k3s/config.yaml', '/etc/rancher/k3s/ksctl-token'],
    unit: 'k3s',
  },
  {
    name: 'kubeadm init, fresh',
    script: kubeadmInitScript(node),
    env: KUBEADM_ENV,
    setup: (sb) => {
      sb.put('/etc/ksctl/kubeadm/pki/ca.crt', 'ca\n');
      sb.put('/etc/ksctl/kubeadm/pki/ca.key', 'key\n', 0o600);
    },
    files: ['/etc/ksctl/kubeadm/init.yaml', '/etc/kubernetes/pki/ca.crt'],
    unit: 'kubeadm',
  },
  {
    name: 'kubeadm install (tools present), containerd configured',
    script: kubeadmInstallScript({ kubernetesVersion: '1.37' }),
    files: ['/etc/containerd/config.toml'],
    unit: 'containerd',
  },
];

const sandboxOk = Sandbox.available();

function withSandbox<T>(fn: (sb: Sandbox) => T): T {
  const sb = new Sandbox();
  try {
    return fn(sb);
  } finally {
    sb.dispose();
  }
}

describe.skipIf(!sandboxOk)('a failure at any command, then a re-run, converges (sandbox)', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))(
    '%s',
    (_name, s) => {
      const clean = withSandbox((sb) => {
        s.setup?.(sb);
        sb.failAtCall(0);
        const r = sb.run(s.script, s.env);
        expect(r.code, r.stderr).toBe(0);
        return { calls: r.calls.length, files: s.files.map((f) => sb.read(f)) };
      });
      expect(clean.calls).toBeGreaterThan(0);
      for (let k = 1; k <= clean.calls; k++) {
        withSandbox((sb) => {
          s.setup?.(sb);
          sb.failAtCall(k);
          const failed = sb.run(s.script, s.env);
          sb.failAtCall(0);
          const rerun = sb.run(s.script, s.env);
          const where = `failure at call ${k} (${failed.calls[k - 1] ?? '?'})`;
          expect(rerun.code, `${where}: ${rerun.stderr}`).toBe(0);
          expect(
            s.files.map((f) => sb.read(f)),
            where,
          ).toEqual(clean.files);
          const loaded = sb.loadedAt(s.unit);
          expect(loaded, `${where}: ${s.unit} never loaded`).toBeDefined();
          for (const f of s.files)
            expect(loaded! >= sb.mtime(f), `${where}: ${s.unit} not reloaded after ${f} changed`).toBe(true);
        });
      }
    },
    120_000,
  );
});
