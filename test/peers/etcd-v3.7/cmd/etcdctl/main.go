// Command etcdctl is upstream etcdctl, built through this wrapper module (see ../etcd/main.go).
package main

import "go.etcd.io/etcd/etcdctl/v3/ctlv3"

func main() { ctlv3.MustStart() }
