// Command etcd is a thin wrapper that builds the etcd server from its Go
// module, because `go install go.etcd.io/etcd/server/v3@...` refuses modules
// that carry replace directives.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
