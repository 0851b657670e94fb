// TEST STAND-IN support (not shipped): `kubeadm reset [-f|--force]`. Asks for confirmation
// unless forced (like kubeadm, reading y/N from stdin), removes this node's member from stacked
// etcd, stops the processes kubeadm started on this host (pid files, never by name), and deletes
// what kubeadm wrote: /etc/kubernetes/{manifests,pki,*.conf}, /var/lib/etcd, /var/lib/kubelet.
// Like kubeadm it does not delete the Node object (`kubectl delete node` does that).
import fs from 'node:fs';
import readline from 'node:readline';
import { EtcdClient } from '../kube-api/etcd-client.mjs';
import { hostPath, rmrf, exists } from '../kube-api/paths.mjs';
import { memberURLs } from '../kube-api/etcd-embedded.mjs';
import { retryUntil } from '../kube-api/https-json.mjs';
import { STATE_DIR, stopAll, stopKubeletService } from './controlplane.mjs';

const say = (m) => process.stdout.write(`${m}\n`);

async function confirm() {
  process.stdout.write('[reset] Are you sure you want to proceed? [y/N]: ');
  const rl = readline.createInterface({ input: process.stdin });
  const line = await new Promise((resolve) => { rl.once('line', resolve); rl.once('close', () => resolve('')); });
  rl.close();
  return /^y(es)?$/i.test(line.trim());
}

/** Remove this node's etcd member through the local etcd (kubeadm's remove-etcd-member phase). */
async function removeEtcdMember() {
  const pki = '/etc/kubernetes/pki';
  if (!exists(`${pki}/etcd/peer.crt`) || !exists(`${pki}/apiserver-etcd-client.crt`)) return;
  const advertise = /--advertise-address=([^"\s]+)/.exec(fs.readFileSync(hostPath('/etc/kubernetes/manifests/kube-apiserver.yaml'), 'utf8'))?.[1];
  if (!advertise) return;
  const u = memberURLs(advertise);
  const client = new EtcdClient(u.advertiseClient, { caFile: hostPath(`${pki}/etcd/ca.crt`), certFile: hostPath(`${pki}/apiserver-etcd-client.crt`),
    keyFile: hostPath(`${pki}/apiserver-etcd-client.key`) });
  try {
    const me = (await client.memberList()).find((m) => m.peerURLs?.includes(u.peerURL));
    if (me && (await client.memberList()).length > 1) {
      say('[reset] Removing member from the etcd cluster');
      // etcd refuses ("unhealthy cluster") until the members have been connected for a while;
      // kubeadm retries the removal the same way.
      await retryUntil(async () => { await client.memberRemove(me.ID); return true; }, { timeoutMs: 40000, intervalMs: 1000, what: 'etcd member removal' });
    }
  } catch (e) {
    process.stderr.write(`W reset: failed to remove etcd member: ${e.message}. Please manually remove this etcd member using etcdctl\n`);
  }
}

export async function reset(flags) {
  if (!(flags.f || flags.force)) {
    say('W [reset] Changes made to this host by \'kubeadm init\' or \'kubeadm join\' will be reverted.');
    if (!(await confirm())) throw new Error('aborted reset operation');
  }
  say('[preflight] Running pre-flight checks');
  if (exists('/etc/kubernetes/manifests/etcd.yaml')) await removeEtcdMember();
  say('[reset] Stopping the kubelet service');
  stopKubeletService();
  await stopAll();
  say('[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]');
  for (const p of ['/etc/kubernetes/manifests', '/etc/kubernetes/pki', '/var/lib/kubelet', '/var/lib/etcd', STATE_DIR]) rmrf(p);
  say('[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf]');
  for (const f of ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'bootstrap-kubelet.conf', 'controller-manager.conf', 'scheduler.conf']) rmrf(`/etc/kubernetes/${f}`);
  say('\nThe reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d\n');
  say('The reset process does not reset or clean up iptables rules or IPVS tables.\n');
  say('The reset process does not clean your kubeconfig files and you must remove them manually.\nPlease, check the contents of the $HOME/.kube/config file.');
}
