package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/rmqkb/conformance/runner"
	"github.com/rmqkb/conformance/target/audit"
	"github.com/rmqkb/conformance/target/kube"
	"github.com/rmqkb/conformance/target/local"
)

// started is a target that is up: what the report says about it (the
// runner reads that) and how to tear it down (only the command does).
type started struct {
	runner.Target
	close func() error
}

// startLocal brings up the local topology.
func startLocal(ctx context.Context, p plan, progress io.Writer) (*started, error) {
	cl, err := local.Start(ctx, p.manifest, append(p.opts, local.WithProgress(progress))...)
	if err != nil {
		return nil, err
	}
	stopLog := quietClient(filepath.Join(cl.Dir(), "rocketmq-client-go.log"))
	return &started{
		Target: *runner.Local(cl, p.manifest.Broker.ServiceVersion),
		close: func() error {
			stopLog()
			err := cl.Close()
			if p.flags.keep {
				fmt.Fprintf(progress, "kept logs and stores in %s\n", cl.Dir())
			} else {
				fmt.Fprintf(progress, "stopped every process and removed %s\n", cl.Dir())
			}
			return err
		},
	}, nil
}

// startKube connects to an existing Cluster and waits for its role labels
// to settle.
func startKube(ctx context.Context, p plan, progress io.Writer) (*started, error) {
	cfg, err := kube.RESTConfig(p.flags.kubeconfig, p.flags.kubeContext, p.flags.inCluster)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	t, err := kube.New(ctx, cfg, p.namespace, p.cluster, kube.WithRoleSettle(p.flags.roleSettle))
	if err != nil {
		return nil, fmt.Errorf("open the Cluster: %w", err)
	}
	if err := checkMode(p.flags.mode, t.Topology().Mode, "Cluster "+p.namespace+"/"+p.cluster); err != nil {
		t.Close()
		return nil, err
	}
	rt := runner.Kube(t, cfg)
	rt.Startup = p.flags.readyWithin
	return &started{Target: *rt, close: t.Close}, nil
}

// startAudit loads a dump.
func startAudit(_ context.Context, p plan, _ io.Writer) (*started, error) {
	t, err := audit.New(p.flags.from, p.namespace, p.cluster)
	if err != nil {
		return nil, err
	}
	if err := checkMode(p.flags.mode, t.Topology().Mode, "the dumped Cluster "+p.namespace+"/"+p.cluster); err != nil {
		return nil, err
	}
	return &started{Target: *runner.Audit(t, p.flags.from), close: func() error { return nil }}, nil
}
