package cli

import (
	"os"
	"strings"

	"github.com/rmqkb/conformance/internal/usage"

	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target/local"
	"github.com/rmqkb/conformance/verdict"
)

// checkStep checks one part of a run request or fills one part of its
// plan. A step returns a usage error naming the flag at fault.
type checkStep struct {
	name string
	do   func(*plan) error
}

// checkSteps are checkRun's steps, in order, like kind's create actions:
// the target first (the other steps depend on which), then the flags that
// go with one target only, the values, and last what the plan is built of.
var checkSteps = []checkStep{
	{"target", checkTarget},
	{"kube flags", checkKubeFlags},
	{"local flags", checkLocalFlags},
	{"jars", checkJars},
	{"shape", checkShape},
	{"durations", checkDurations},
	{"port base", checkPortBase},
	{"reports folder", checkReports},
	{"profile", checkProfile},
	{"selection", checkSelection},
	{"manifest", checkManifest},
	{"cluster name", checkNames},
	{"local options", checkLocalOptions},
}

// checkRun turns a run request into a plan: everything that can be wrong
// with the input is found here, before anything starts.
func checkRun(f runFlags) (plan, error) {
	p := plan{flags: f}
	for _, s := range checkSteps {
		if err := s.do(&p); err != nil {
			return p, err
		}
	}
	return p, nil
}

// checkTarget picks how the target is started.
func checkTarget(p *plan) error {
	switch p.flags.target {
	case "local":
		p.start = startLocal
	case "kube":
		p.start = startKube
	case "audit":
		p.start = startAudit
		if p.flags.from == "" {
			return usage.Errorf("audit needs --from DIR, a folder of object dumps")
		}
	default:
		return usage.Errorf("--target %q: expected local or kube", p.flags.target)
	}
	return nil
}

// checkKubeFlags refuses the kube target's flags on any other.
func checkKubeFlags(p *plan) error {
	f := p.flags
	if f.target != "kube" && (f.kubeconfig != "" || f.kubeContext != "" || f.inCluster) {
		return usage.Errorf("--kubeconfig, --context and --in-cluster go with --target kube")
	}
	return nil
}

// checkLocalFlags refuses the local target's flags on any other, and the
// shape flags where the shape is read from an existing Cluster.
func checkLocalFlags(p *plan) error {
	f := p.flags
	if f.target != "local" && (f.keep || len(f.broker.vals)+len(f.master.vals)+len(f.slave.vals) > 0 || f.version != "" || f.portBase != 0 || f.exporterJar != "" || f.dashboardJar != "") {
		return usage.Errorf("--keep, --*-config, --rocketmq-version, --port-base, --exporter-jar and --dashboard-jar go with --target local")
	}
	if f.target != "local" && !f.reshapes && f.shape != (shapeFlags{}) {
		return usage.Errorf("--namesrvs, --shards and --replicas reshape the Cluster the suite creates (the local target, e2e); an existing Cluster's shape is read from it")
	}
	return nil
}

// checkJars makes sure the exporter and dashboard jars are files.
func checkJars(p *plan) error {
	for _, j := range []struct{ flag, jar string }{{"--exporter-jar", p.flags.exporterJar}, {"--dashboard-jar", p.flags.dashboardJar}} {
		if j.jar == "" {
			continue
		}
		if st, err := os.Stat(j.jar); err != nil || st.IsDir() {
			return usage.Errorf("%s %s: expected a jar file (%v)", j.flag, j.jar, err)
		}
	}
	return nil
}

func checkShape(p *plan) error { return p.flags.shape.check() }

// checkDurations refuses durations that make no sense.
func checkDurations(p *plan) error {
	f := p.flags
	switch {
	case f.timeout <= 0:
		return usage.Errorf("--timeout %s: expected a positive duration", f.timeout)
	case f.roleSettle < 0:
		return usage.Errorf("--role-settle %s: expected zero or more", f.roleSettle)
	case f.readyWithin < 0:
		return usage.Errorf("--ready-within %s: expected zero or more", f.readyWithin)
	case f.recreateDelay.d < 0:
		return usage.Errorf("--recreate-delay %s: expected zero or more", f.recreateDelay.d)
	}
	return nil
}

func checkPortBase(p *plan) error {
	if b := p.flags.portBase; b != 0 && (b < 1024 || b > 60000) {
		return usage.Errorf("--port-base %d: expected a port from 1024 to 60000", b)
	}
	return nil
}

func checkReports(p *plan) error {
	if strings.TrimSpace(p.flags.reports) == "" {
		return usage.Errorf("--reports: expected a folder")
	}
	return nil
}

func checkProfile(p *plan) (err error) {
	if p.profile, err = verdict.ParseProfile(p.flags.profile); err != nil {
		return usage.Wrap(err)
	}
	return nil
}

func checkSelection(p *plan) (err error) {
	if p.cases, err = scenarios.Select(p.flags.run); err != nil {
		return usage.Wrap(err)
	}
	return nil
}

// checkManifest loads the manifest and, where the suite creates the
// Cluster, shapes it as the flags ask.
func checkManifest(p *plan) (err error) {
	f := p.flags
	if f.manifest == "" {
		p.manifest = manifests.DefaultCluster()
	} else if p.manifest, err = manifests.LoadCluster(f.manifest); err != nil {
		return usage.Errorf("--manifest: %v", err)
	}
	if f.target == "local" || f.reshapes {
		p.manifest = f.shape.apply(p.manifest, f.mode)
	}
	return nil
}

// checkNames names the Cluster: the manifest's, unless the flags say.
func checkNames(p *plan) error {
	p.namespace, p.cluster = p.manifest.Namespace, p.manifest.Name
	if p.flags.namespace != "" {
		p.namespace = p.flags.namespace
	}
	if p.flags.cluster != "" {
		p.cluster = p.flags.cluster
	}
	return nil
}

// checkLocalOptions parses the broker settings and turns the local
// target's flags into its options.
func checkLocalOptions(p *plan) error {
	f := p.flags
	sets := map[string][]local.Setting{}
	for _, sf := range []*settingsFlag{&f.broker, &f.master, &f.slave} {
		for _, v := range sf.vals {
			s, err := local.ParseSetting("--"+sf.name, v)
			if err != nil {
				return usage.Wrap(err)
			}
			sets[sf.name] = append(sets[sf.name], s)
		}
	}
	p.opts = []local.Option{
		local.WithBrokerConfig(sets["broker-config"], sets["master-config"], sets["slave-config"]),
		local.WithKeep(f.keep),
		local.WithPortBase(f.portBase),
	}
	optional := []struct {
		set bool
		opt func() local.Option
	}{
		{f.exporterJar != "", func() local.Option { return local.WithExporterJar(f.exporterJar) }},
		{f.dashboardJar != "", func() local.Option { return local.WithDashboardJar(f.dashboardJar) }},
		{f.recreateDelay.set, func() local.Option { return local.WithRecreateDelay(f.recreateDelay.d) }},
		{f.version != "", func() local.Option { return local.WithServerVersion(f.version) }},
		{os.Getenv("ROCKETMQ_HOME") != "", func() local.Option { return local.WithRocketMQHome(os.Getenv("ROCKETMQ_HOME")) }},
	}
	for _, o := range optional {
		if o.set {
			p.opts = append(p.opts, o.opt())
		}
	}
	return nil
}
