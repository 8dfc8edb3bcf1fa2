package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rmqkb/conformance/internal/mirror"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
)

// upRun is the state the steps of one Up share.
type upRun struct {
	r       runner
	o       Options
	env     *Env
	kindCfg *v1alpha4.Cluster
	st      *state
	kbChart string // KubeBlocks' chart folder
}

// upStep is one step of Up, in the manner of kind's create actions: a name
// for progress and errors, and what it does.
type upStep struct {
	name, detail string
	run          func(*upRun, context.Context) error
}

// upSteps lists Up's steps for o.
func upSteps(o Options) []upStep {
	kb, addon := o.Versions.KubeBlocks, o.Versions.Addon
	steps := []upStep{
		{"preflight", "of the kind config, the charts and the Docker engine", (*upRun).preflight},
		{fmt.Sprintf("create kind cluster %q", o.Name), "with " + o.Versions.Kind.NodeImage, (*upRun).createKind},
		{"KubeBlocks " + kb.Version + " CRDs", "from its chart's crds/ folder", (*upRun).crds},
		{"install KubeBlocks " + kb.Version, fmt.Sprintf("as release %s", or(kb.Release, "kubeblocks")), (*upRun).kubeBlocks},
		{fmt.Sprintf("install the %s addon %s", or(addon.Chart, "rocketmq"), addon.Version), fmt.Sprintf("as release %s", or(addon.Release, "kb-addon-rocketmq")), (*upRun).addon},
		{fmt.Sprintf("create Cluster %s/%s", o.Cluster.Namespace, o.Cluster.Name), clusterDetail(o), (*upRun).cluster},
	}
	if !o.AddRoutes {
		return append(steps, upStep{"routes to the pod network", ": skipped (not asked for)", func(*upRun, context.Context) error { return nil }})
	}
	return append(steps, upStep{"routes to the pod network", "via the kind nodes", (*upRun).routes})
}

func (u *upRun) certsDir() string { return filepath.Join(u.env.StateDir, "certs.d") }

func (u *upRun) preflight(ctx context.Context) error {
	ko := KindOptions{NodeImage: u.o.Versions.Kind.NodeImage, Host: u.o.Host}
	if u.o.Mirror != "" {
		if err := mirror.Check(u.o.Mirror); err != nil {
			return err
		}
		ko.Mirror, ko.CertsDir = u.o.Mirror, u.certsDir()
	}
	var err error
	if u.kindCfg, err = KindConfig(ko); err != nil {
		return err
	}
	if err := u.r.preflight(ctx, u.o.Versions.Kind.NodeImage); err != nil {
		return err
	}
	if u.kbChart = u.o.KubeBlocksChart; u.kbChart == "" {
		if u.kbChart, err = u.r.moduleChart(u.o.Versions.KubeBlocks.Version); err != nil {
			return err
		}
	}
	for _, dir := range []string{u.kbChart, u.o.AddonChart} {
		if dir == "" {
			continue
		}
		if _, err := LoadChartDir(dir); err != nil {
			return err
		}
	}
	return nil
}

func (u *upRun) createKind(ctx context.Context) error {
	// Recorded before create: kind's Create cannot be cancelled, and an
	// interrupted create leaves node containers that Down must remove.
	u.st = &state{KindCluster: u.o.Name, Kubeconfig: u.env.Kubeconfig}
	if u.o.Mirror != "" {
		u.st.CertsDir = u.certsDir()
	}
	if err := writeState(u.env.StateDir, u.st); err != nil {
		return err
	}
	if u.o.Mirror != "" {
		if err := WriteMirrorHosts(u.certsDir(), u.o.Mirror); err != nil {
			return fmt.Errorf("registry mirror %s: %w", u.o.Mirror, err)
		}
	}
	if err := u.r.createKind(ctx, u.o.Name, u.kindCfg, u.env.Kubeconfig, u.o.Progress); err != nil {
		if errors.Is(err, errKindExists) {
			// Not ours: forget it, so Down leaves it alone.
			_ = os.RemoveAll(u.certsDir())
			_ = os.Remove(statePath(u.env.StateDir))
			_ = os.Remove(u.env.StateDir) // only if empty
		}
		return err
	}
	if u.o.Mirror != "" {
		return u.r.connectMirror(ctx, u.o.Mirror, u.o.Progress)
	}
	return nil
}

func (u *upRun) crds(ctx context.Context) error {
	dirs := []string{filepath.Join(u.kbChart, "crds"), filepath.Join(u.kbChart, "crds", "snapshot")}
	return u.r.installCRDs(ctx, u.env.Kubeconfig, dirs, u.o.Progress)
}

func (u *upRun) kubeBlocks(ctx context.Context) error {
	return u.r.install(ctx, u.env.Kubeconfig, KubeBlocksRelease(u.o.Versions, u.kbChart), u.o.Progress)
}

func (u *upRun) addon(ctx context.Context) error {
	return u.r.install(ctx, u.env.Kubeconfig, AddonRelease(u.o.Versions, u.o.AddonChart), u.o.Progress)
}

func (u *upRun) cluster(ctx context.Context) error {
	if err := u.r.createCluster(ctx, u.env.Kubeconfig, u.o.Cluster, u.o.Progress); err != nil {
		return err
	}
	if !u.o.AwaitRunning {
		return nil
	}
	return u.r.awaitRunning(ctx, u.env.Kubeconfig, u.o.Cluster, u.o.Progress)
}

// clusterDetail says what the Cluster step waits for: its acceptance by
// the API server only, unless Up is to hand over a running cluster.
func clusterDetail(o Options) string {
	if o.AwaitRunning {
		return "and wait until Running"
	}
	return "(its readiness is cluster/ready's to judge)"
}

func (u *upRun) routes(ctx context.Context) error {
	nodes, err := u.r.listNodes(ctx, u.env.Kubeconfig)
	if err != nil {
		return err
	}
	routes, err := Routes(nodes)
	if err != nil {
		return err
	}
	added, addErr := u.r.addRoutes(ctx, routes)
	if len(added) > 0 {
		u.st.Routes = added
		if err := writeState(u.env.StateDir, u.st); err != nil {
			return errors.Join(addErr, err)
		}
	}
	if addErr != nil {
		// Not fatal: the layout and accounts suites need no pod network,
		// and the RocketMQ suites say within seconds that they cannot
		// reach it, and how to fix that.
		fmt.Fprintf(u.o.Progress, "  warning: %v; the RocketMQ suites will not reach the brokers' pod IPs\n", addErr)
	}
	for _, rt := range added {
		fmt.Fprintf(u.o.Progress, "  route %s\n", rt)
	}
	u.env.Routes = added
	return nil
}
