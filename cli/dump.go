package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/rmqkb/conformance/internal/usage"

	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/target/kube"
)

// dumpCommand writes a Cluster's objects as `audit --from` reads them,
// Secrets redacted: a record of what the addon created, to audit later or
// to keep beside a CI run.
func dumpCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var kubeconfig, kubeContext, ns, cluster, out string
	var inCluster bool
	m := manifests.DefaultCluster()
	fs := newFlagSet("dump", stderr)
	fs.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&kubeContext, "context", "", "kubeconfig context (default: the current one)")
	fs.BoolVar(&inCluster, "in-cluster", false, "use the in-cluster config, for a run from a pod")
	fs.StringVar(&ns, "namespace", m.Namespace, "namespace of the Cluster")
	fs.StringVar(&cluster, "cluster", m.Name, "name of the Cluster")
	fs.StringVar(&out, "out", "", "folder to write the objects into (required)")
	if err := parse(fs, args); err != nil {
		return ExitSetup, err
	}
	if out == "" {
		return ExitSetup, usage.Errorf("--out: expected the folder to write the dump into")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	pr := newProgress(stdout)
	cfg, err := kube.RESTConfig(kubeconfig, kubeContext, inCluster)
	if err != nil {
		return ExitSetup, err
	}
	t, err := kube.New(ctx, cfg, ns, cluster)
	if err != nil {
		return ExitSetup, err
	}
	defer t.Close()
	if err := t.Dump(ctx, out); err != nil {
		pr.Printf("dump: %v", err)
		return ExitSetup, nil
	}
	pr.Printf("dumped Cluster %s/%s into %s (Secrets redacted); check it with: go run . audit --from %s --namespace %s --cluster %s", ns, cluster, out, out, ns, cluster)
	return ExitPassed, nil
}
