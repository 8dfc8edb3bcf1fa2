package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rmqkb/conformance/internal/usage"

	"github.com/rmqkb/conformance/internal/clientlog"
	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/runner"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target/kube"
	"github.com/rmqkb/conformance/target/local"
	"github.com/rmqkb/conformance/verdict"
)

// runFlags are the flags of run.
type runFlags struct {
	target        string
	run           string
	reports       string
	timeout       time.Duration
	keep          bool
	manifest      string
	shape         shapeFlags
	broker        settingsFlag
	master        settingsFlag
	slave         settingsFlag
	version       string
	portBase      int
	recreateDelay optionalDuration
	exporterJar   string
	dashboardJar  string

	// kube target
	kubeconfig  string
	kubeContext string
	namespace   string
	cluster     string
	inCluster   bool
	roleSettle  time.Duration
	readyWithin time.Duration

	// audit
	from string
	// reshapes is set by e2e: it creates the Cluster, so --shards and
	// --replicas shape it.
	reshapes bool
	// mode is what --acl and --dledger switch on in the Cluster the run
	// creates; against an existing one the Cluster's must cover it.
	mode topology.Mode
	// profile is quick or full; its default is set before the flags are
	// registered (quick for run, full for e2e).
	profile string
}

// registerCommon adds the flags every command that runs cases shares.
func (f *runFlags) registerCommon(fs *flagSet) {
	fs.StringVar(&f.run, "run", "", "run only the cases whose ID (suite/case) matches this regular expression")
	fs.StringVar(&f.reports, "reports", "reports", "folder for junit.xml, summary.md, summary.json and diagnostics")
	fs.DurationVar(&f.timeout, "timeout", time.Hour, "bound on the whole run")
	fs.StringVar(&f.manifest, "manifest", "", "Cluster manifest to take the topology from (default: the embedded manifests/cluster.yaml)")
	f.shape.register(fs)
	fs.StringVar(&f.namespace, "namespace", "", "namespace of the Cluster (default: the manifest's)")
	fs.StringVar(&f.cluster, "cluster", "", "name of the Cluster (default: the manifest's)")
	registerMode(fs, &f.mode,
		": brokers demand signed requests; on an existing Cluster, assert it runs so",
		": each shard a Raft group, 3 replicas unless --replicas; on an existing Cluster, assert it runs so")
	if f.profile == "" {
		f.profile = string(verdict.Quick)
	}
	fs.StringVar(&f.profile, "profile", f.profile, "quick skips the slow cases (minutes each: stale-broker expiry, a frozen master on RocketMQ's timers, the day-2 operations); full runs every case")
}

func (f *runFlags) register(fs *flagSet) {
	f.registerCommon(fs)
	fs.StringVar(&f.target, "target", "local", "where RocketMQ runs: local (started on loopback by the suite) or kube (an existing KubeBlocks Cluster)")
	fs.BoolVar(&f.keep, "keep", false, "local: keep the processes' logs and stores after the run and print where they are")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "kube: kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&f.kubeContext, "context", "", "kube: kubeconfig context (default: the current one)")
	fs.BoolVar(&f.inCluster, "in-cluster", false, "kube: use the in-cluster config, for a run from a pod")
	fs.DurationVar(&f.roleSettle, "role-settle", 10*time.Second, "kube: how long role labels must hold still to count as settled (two role-probe periods)")
	registerReady(fs, f)
	fs.Var(&f.broker, "broker-config", "KEY=VALUE added to every broker's broker.conf (repeatable)")
	fs.Var(&f.master, "master-config", "KEY=VALUE added to masters' broker.conf (repeatable)")
	fs.Var(&f.slave, "slave-config", "KEY=VALUE added to slaves' broker.conf (repeatable)")
	fs.StringVar(&f.version, "rocketmq-version", "", "run exactly this RocketMQ server version (default: the pinned one, with its pinned fallbacks)")
	fs.IntVar(&f.portBase, "port-base", 0, "use consecutive loopback ports from this one (default: free ports)")
	fs.StringVar(&f.exporterJar, "exporter-jar", "", "local: run the exporter from this jar, as the addon's exporter-setup.sh does (it is published only as an image)")
	fs.StringVar(&f.dashboardJar, "dashboard-jar", "", "local: run the dashboard from this jar, as the addon's dashboard-setup.sh does (it is published only as an image)")
	fs.Var(&f.recreateDelay, "recreate-delay", "how long a killed process stays down before it is recreated, standing in for pod recreation (default 2s; 10s for brokers in DLedger mode)")
}

type flagSet = flag.FlagSet

// registerReady adds --ready-within, which run (kube) and e2e share.
func registerReady(fs *flagSet, f *runFlags) {
	fs.DurationVar(&f.readyWithin, "ready-within", kube.StartupAllowance,
		"kube: how long cluster/ready waits for KubeBlocks to bring the Cluster up (Running, every pod Ready, role labels settled) before its clauses fail")
}

// plan is a checked run request: everything that can be wrong with the
// input is found here, before anything starts.
type plan struct {
	flags     runFlags
	profile   verdict.Profile
	cases     []scenarios.Case
	manifest  manifests.Cluster
	opts      []local.Option
	namespace string
	cluster   string
	start     func(context.Context, plan, io.Writer) (*started, error)
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var f runFlags
	f.broker.name, f.master.name, f.slave.name = "broker-config", "master-config", "slave-config"
	fs := newFlagSet("run", stderr)
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return ExitSetup, err
	}
	return plannedRun(ctx, f, stdout)
}

// checkMode makes sure the mode the flags ask for (want) does not
// contradict the mode an existing Cluster runs (have): they assert it,
// they cannot change it.
func checkMode(want, have topology.Mode, what string) error {
	if !have.Covers(want) {
		return usage.Errorf("--acl/--dledger ask for mode %s, but %s runs mode %s (its %s annotation); against an existing Cluster the mode is read from it", want, what, have, manifests.ExtraEnvAnnotation)
	}
	return nil
}

// auditCommand runs the cases on a folder of object dumps: the layout and
// accounts cases judge it, the rest are skipped with the reason.
func auditCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var f runFlags
	fs := newFlagSet("audit", stderr)
	f.registerCommon(fs)
	fs.StringVar(&f.from, "from", "", "folder of object dumps (YAML or JSON, single objects or Lists, as kubectl get -o yaml writes them)")
	if err := parse(fs, args); err != nil {
		return ExitSetup, err
	}
	f.target = "audit"
	return plannedRun(ctx, f, stdout)
}

func plannedRun(ctx context.Context, f runFlags, stdout io.Writer) (int, error) {
	p, err := checkRun(f)
	if err != nil {
		return ExitSetup, err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	return execute(ctx, p, stdout)
}

// execute brings the target up, hands it to the runner (the one run path
// the harness shares), writes the reports and tears down, whatever happens
// in between. Input found bad only once the target is reached (a mode flag
// an existing Cluster contradicts) is a usage error: nothing is written.
func execute(ctx context.Context, p plan, stdout io.Writer) (int, error) {
	// rocketmq-client-go logs to stdout until someone takes its log over;
	// on every target, from the start (the local target then sends it to a
	// file in its run folder).
	clientlog.SetOutput(io.Discard, "warn")
	pr := newProgress(stdout)
	topo := p.manifest.Topology()
	topo.Cluster, topo.Namespace = p.cluster, p.namespace
	s := runner.Setup{Label: p.flags.target, Topology: topo, Cases: p.cases, Profile: p.profile,
		Requested: p.flags.version, Began: time.Now()}
	pr.Printf("%s target: %s/%s", p.flags.target, p.namespace, p.cluster)
	st, err := p.start(ctx, p, pr)
	if usage.Is(err) {
		return ExitSetup, err
	}
	if err != nil {
		s.Err = err
		var se *local.SetupError
		if errors.As(err, &se) {
			s.LogTail = se.LogTail
		}
		if st != nil {
			// What did come up is diagnosed before it is torn down.
			s.Collect = st.Collect
		}
	} else {
		s.Target = &st.Target
	}
	if st != nil {
		defer func() {
			if err := st.close(); err != nil {
				pr.Printf("teardown: %v", err)
			}
		}()
	}
	r := runner.Begin(ctx, s, pr)
	r.Execute(ctx)
	out, err := r.Finish(ctx, p.flags.reports, "not selected")
	if err != nil {
		pr.Printf("%v", err)
		return ExitSetup, nil
	}
	return out.Code, nil
}

// quietClient sends rocketmq-client-go's own logging to a file in the run
// folder: it is chatty on stdout and would bury the progress lines.
func quietClient(path string) (stop func()) {
	f, err := os.Create(path)
	if err != nil {
		clientlog.SetOutput(io.Discard, "warn")
		return func() {}
	}
	clientlog.SetOutput(f, "warn")
	return func() {
		clientlog.SetOutput(io.Discard, "warn")
		f.Close()
	}
}
