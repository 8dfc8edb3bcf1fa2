package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/rmqkb/conformance/internal/audit"
	"github.com/rmqkb/conformance/internal/kube"
	"github.com/rmqkb/conformance/internal/local"
	"github.com/rmqkb/conformance/scenarios"
)

// started is a target that is up, with what the report needs to say about
// it and how to collect diagnostics and tear it down.
type started struct {
	target         scenarios.Target
	serviceVersion string            // the RocketMQ version the Cluster asks for
	evidence       []string          // for the setup testcase
	props          map[string]string // extra report properties
	collect        func(ctx context.Context, dir string) error
	close          func() error
	recreation     time.Duration // more case time per recreation (scenarios.WithRecreationAllowance)
}

// startLocal brings up the local topology.
func startLocal(ctx context.Context, p plan, progress io.Writer) (*started, error) {
	cl, err := local.Start(ctx, p.manifest, append(p.opts, local.WithProgress(progress))...)
	if err != nil {
		return nil, err
	}
	d := cl.Dist()
	stopLog := quietClient(filepath.Join(cl.Dir(), "rocketmq-client-go.log"))
	s := &started{
		target:         cl,
		serviceVersion: p.manifest.Broker.ServiceVersion,
		evidence:       []string{fmt.Sprintf("RocketMQ %s from %s, Java %d at %s, run folder %s", d.Version, d.LibDir, cl.Java().Major, cl.Java().Path, cl.Dir())},
		props:          map[string]string{},
		collect: func(ctx context.Context, dir string) error {
			return cl.CollectLogs(ctx, filepath.Join(dir, "processes"))
		},
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
	}
	if d.Note != "" {
		s.props["rocketmq.version.note"] = d.Note
		s.evidence = append(s.evidence, d.Note)
	}
	return s, nil
}

// startKube connects to an existing Cluster and waits for its role labels
// to settle.
func startKube(ctx context.Context, p plan, progress io.Writer) (*started, error) {
	cfg, err := kube.RESTConfig(p.flags.kubeconfig, p.flags.kubeContext, p.flags.inCluster)
	if err != nil {
		return nil, err
	}
	t, err := kube.New(ctx, cfg, p.namespace, p.cluster, kube.WithRoleSettle(p.flags.roleSettle))
	if err != nil {
		return nil, err
	}
	if err := checkMode(p.flags.mode, t.Topology().Mode, "Cluster "+p.namespace+"/"+p.cluster); err != nil {
		t.Close()
		return nil, err
	}
	fmt.Fprintf(progress, "waiting for the broker role labels of %s/%s to settle\n", p.namespace, p.cluster)
	if err := t.AwaitStableRoles(ctx); err != nil {
		t.Close()
		return nil, err
	}
	return &started{
		target:         t,
		serviceVersion: t.ServiceVersion(),
		evidence:       []string{fmt.Sprintf("Cluster %s/%s on %s", p.namespace, p.cluster, cfg.Host)},
		props:          map[string]string{"kube.host": cfg.Host},
		collect:        t.CollectDiagnostics,
		close:          t.Close,
		recreation:     kube.RecreationAllowance,
	}, nil
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
	return &started{
		target:         t,
		serviceVersion: t.ServiceVersion(),
		evidence:       []string{"objects from " + p.flags.from},
		props:          map[string]string{"audit.from": p.flags.from},
		collect:        func(context.Context, string) error { return nil },
		close:          func() error { return nil },
	}, nil
}
