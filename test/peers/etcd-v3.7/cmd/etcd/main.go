// Command etcd is upstream etcd's server: etcd's own main package lives in its root module,
// whose go.mod replaces its sibling modules with relative paths, so it cannot be built from the
// module proxy directly. This main calls the package that does all the work.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
