package runner

import (
	"context"
	"fmt"
	"path/filepath"

	"k8s.io/client-go/rest"

	"github.com/rmqkb/conformance/target/audit"
	"github.com/rmqkb/conformance/target/kube"
	"github.com/rmqkb/conformance/target/local"
)

// The report's view of each kind of target, in one place: the commands
// and the harness bring a target up, and describe it with these, so their
// reports agree on evidence and properties.

// Kube is the report's view of a kube target reached through cfg. Both
// `run --target kube` (and e2e) and the harness describe a Cluster with
// it, so their reports agree on evidence and properties.
func Kube(t *kube.Target, cfg *rest.Config) *Target {
	topo := t.Topology()
	return &Target{
		Target:         t,
		ServiceVersion: t.ServiceVersion(),
		Evidence:       []string{fmt.Sprintf("Cluster %s/%s on %s", topo.Namespace, topo.Cluster, cfg.Host)},
		Props:          map[string]string{"kube.host": cfg.Host},
		Collect:        t.CollectDiagnostics,
		Recreation:     kube.RecreationAllowance,
		Startup:        kube.StartupAllowance,
	}
}

// Local is the report's view of a local topology whose Cluster asks for
// RocketMQ version (the report's version when the brokers cannot be
// asked).
func Local(cl *local.Cluster, version string) *Target {
	d := cl.Dist()
	t := &Target{
		Target:         cl,
		ServiceVersion: version,
		Evidence:       []string{fmt.Sprintf("RocketMQ %s from %s, Java %d at %s, run folder %s", d.Version, d.LibDir, cl.Java().Major, cl.Java().Path, cl.Dir())},
		Props:          map[string]string{},
		Collect: func(ctx context.Context, dir string) error {
			return cl.CollectLogs(ctx, filepath.Join(dir, "processes"))
		},
	}
	if d.Note != "" {
		t.Props["rocketmq.version.note"] = d.Note
		t.Evidence = append(t.Evidence, d.Note)
	}
	return t
}

// Audit is the report's view of a dump read from the folder from.
func Audit(t *audit.Target, from string) *Target {
	return &Target{
		Target:         t,
		ServiceVersion: t.ServiceVersion(),
		Evidence:       []string{"objects from " + from},
		Props:          map[string]string{"audit.from": from},
	}
}
