// TEST STAND-IN support (not shipped): the closing texts of `kubeadm init` and `kubeadm join`,
// worded like kubeadm's so scripts and people reading the output find the same lines.

const KUBECTL_SETUP = `  mkdir -p $HOME/.kube
  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config
  sudo chown $(id -u):$(id -g) $HOME/.kube/config`;

/** opts: { controlPlaneEndpoint, join(certificateKey) -> command, workerJoin, certificateKey } */
export function finalMessage({ controlPlaneEndpoint, join, workerJoin, certificateKey }) {
  let cp = '';
  if (controlPlaneEndpoint && certificateKey) {
    cp = `You can now join any number of control-plane nodes running the following command on each as root:

${join(certificateKey)}
Please note that the certificate-key gives access to cluster sensitive data, keep it secret!
As a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use
"kubeadm init phase upload-certs --upload-certs" to reload certs afterward.

`;
  } else if (controlPlaneEndpoint) {
    cp = `You can now join any number of control-plane nodes by copying certificate authorities
and service account keys on each node and then running the following as root:

${join(null).replace(/\n$/, ' \\\n\t--control-plane\n')}
`;
  }
  return `
Your Kubernetes control-plane has initialized successfully!

To start using your cluster, you need to run the following as a regular user:

${KUBECTL_SETUP}

Alternatively, if you are the root user, you can run:

  export KUBECONFIG=/etc/kubernetes/admin.conf

You should now deploy a pod network to the cluster.
Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:
  https://kubernetes.io/docs/concepts/cluster-administration/addons/

${cp}Then you can join any number of worker nodes by running the following on each as root:

${workerJoin}`;
}

export const WORKER_JOINED = `
This node has joined the cluster:
* Certificate signing request was sent to apiserver and a response was received.
* The Kubelet was informed of the new secure connection details.

Run 'kubectl get nodes' on the control-plane to see this node join the cluster.
`;

export const CONTROL_PLANE_JOINED = (stacked) => `
This node has joined the cluster and a new control plane instance was created:

* Certificate signing request was sent to apiserver and approval was received.
* The Kubelet was informed of the new secure connection details.
* Control plane label and taint were applied to the new node.
* The Kubernetes control plane instances scaled up.
${stacked ? '* A new etcd member was added to the local/stacked etcd cluster.\n' : ''}
To start administering your cluster from this node, you need to run the following as a regular user:

${KUBECTL_SETUP.replace(/^ {2}/gm, '\t')}

Run 'kubectl get nodes' to see this node join the cluster.
`;
