/**
 * Looking into kubeadm's stacked etcd on an SSH test host: kubeadm nodes have no etcdctl, so it runs
 * from the cluster's own etcd image (the one kubeadm v1.37.2 names) with the healthcheck client's
 * certificate, as ksctl's backup does.
 */
import type { TestHost } from '../hosts/harness.js';

const IMAGE = 'registry.k8s.io/etcd:3.7.0-0';
const PKI = '/etc/kubernetes/pki/etcd';

/** etcdctl against the host's own member over TLS. */
export async function hostEtcdctl(h: TestHost, args: string) {
  return h.exec(
    `ctr -n k8s.io run --rm --net-host --mount type=bind,src=${PKI},dst=${PKI},options=rbind:ro ${IMAGE} ksctl-test-etcdctl-${Date.now()} ` +
      `etcdctl --endpoints=https://127.0.0.1:2379 --cacert=${PKI}/ca.crt --cert=${PKI}/healthcheck-client.crt --key=${PKI}/healthcheck-client.key --command-timeout=10s ${args}`,
    { timeoutMs: 60_000 },
  );
}

/** The member's current revision. */
export async function etcdRevision(h: TestHost): Promise<number> {
  const status = JSON.parse((await hostEtcdctl(h, 'endpoint status -w json')).stdout) as {
    Status: { header: { revision: number } };
  }[];
  return status[0]!.Status.header.revision;
}

/** The cluster's members, as `name peerURL`, sorted. */
export async function etcdMembers(h: TestHost): Promise<string[]> {
  const list = JSON.parse((await hostEtcdctl(h, 'member list -w json')).stdout) as {
    members: { name: string; peerURLs: string[] }[];
  };
  return list.members.map((m) => `${m.name} ${m.peerURLs[0]}`).sort();
}

/**
 * What a restore may leave on a control plane, counted: [old data directories, snapshot copies and
 * restore markers; ksctl's one-off containers]. ['0', '0'] when it cleaned up.
 */
export async function restoreLeftovers(h: TestHost): Promise<string[]> {
  const r = await h.exec(
    'ls -d /var/lib/etcd.* /var/lib/ksctl/etcd-snapshots/* /var/lib/ksctl/restore/* 2>/dev/null | wc -l; ctr -n k8s.io containers ls -q | grep -c ^ksctl- || true',
  );
  return r.stdout.trim().split('\n');
}
