// Command kube-apiserver is a thin wrapper around k8s.io/kubernetes'
// apiserver command, built from the Go module proxy for envtest.
// Version strings come from -X ldflags set by scripts/build-kapi.sh.
package main

import (
	"os"
	_ "time/tzdata" // no dependence on the host's zoneinfo

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // build-info metric
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
