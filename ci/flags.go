package main

import (
	"flag"
	"io"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/usage"

	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/verdict"
)

// Flags are the command line of `go run ./ci`.
type Flags struct {
	KindNodeImage     string
	KubeBlocksVersion string
	AddonVersion      string
	Run               string        // case regex, passed to e2e --run
	Suites            []string      // suite names, turned into a --run regex
	Namesrvs          int           // 0: the manifest's
	Shards, Replicas  int           // 0: the manifest's
	Profile           string        // quick or full (e2e's default, full)
	Mode              topology.Mode // the addon's optional modes, set on the Cluster e2e creates
	KeepOnFailure     bool
	Reports           string // host folder the reports are exported to
	Timeout           time.Duration
	// The images of the build and run steps: upstream's by default, local
	// ones where no registry is reached (`go run . images --dagger-source`).
	GoImage, DindImage string
	// Offline options passed through to e2e: a registry the run step's
	// dockerd and kind's nodes pull through, and chart folders on this host
	// (mounted read-only into the run step).
	RegistryMirror  string
	AddonChart      string
	KubeBlocksChart string
	// RunID makes the run step differ from every earlier one, so the
	// engine never answers it from its cache. main sets it to the time.
	RunID string
}

// parseFlags reads args. Errors are usage errors naming the flag.
func parseFlags(args []string, stderr io.Writer) (Flags, error) {
	v := manifests.DefaultVersions()
	var f Flags
	var suites string
	fs := flag.NewFlagSet("ci", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.KindNodeImage, "kind-node-image", v.Kind.NodeImage, "kind node image, pinned by digest")
	fs.StringVar(&f.KubeBlocksVersion, "kubeblocks-version", v.KubeBlocks.Version, "KubeBlocks chart version")
	fs.StringVar(&f.AddonVersion, "addon-version", v.Addon.Version, "rocketmq addon chart version")
	fs.StringVar(&f.Run, "run", "", "run only the cases whose ID (suite/case) matches this regular expression")
	fs.StringVar(&suites, "suites", "", "comma-separated suites to run ("+strings.Join(verdict.Suites, ", ")+"); exclusive with --run")
	fs.IntVar(&f.Namesrvs, "namesrvs", 0, "namesrv replicas (default: the manifest's, 2)")
	fs.IntVar(&f.Shards, "shards", 0, "broker shards (default: the manifest's)")
	fs.IntVar(&f.Replicas, "replicas", 0, "brokers per shard, master included (default: the manifest's)")
	fs.StringVar(&f.Profile, "profile", string(verdict.Full), "quick skips the slow cases; full, for nightly runs, runs every case")
	fs.BoolVar(&f.Mode.ACL, "acl", false, "ACL mode (ENABLE_ACL) for the Cluster e2e creates")
	fs.BoolVar(&f.Mode.DLedger, "dledger", false, "DLedger mode (ENABLE_DLEDGER) for the Cluster e2e creates; 3 replicas per shard unless --replicas")
	fs.BoolVar(&f.KeepOnFailure, "keep-on-failure", false, "leave the kind cluster's containers in the docker store cache when the verdict is not 0")
	fs.StringVar(&f.Reports, "reports", "reports", "host folder for junit.xml, summary.md, summary.json and diagnostics")
	fs.DurationVar(&f.Timeout, "timeout", time.Hour, "bound on the suite's cases (e2e --timeout); the pipeline adds time for the build and kind")
	fs.StringVar(&f.GoImage, "go-image", v.Pipeline.GoImage, "image of the build step: Go at /usr/local/go, as the official golang image")
	fs.StringVar(&f.DindImage, "dind-image", v.Pipeline.DindImage, "image of the run step: a Docker engine (dockerd, docker) and a shell")
	fs.StringVar(&f.RegistryMirror, "registry-mirror", "", "HOST:PORT of a registry, as the pipeline's containers reach it, that kind's nodes pull through (e2e --registry-mirror); the run step's dockerd may pull the node image from it over plain HTTP")
	fs.StringVar(&f.AddonChart, "addon-chart", "", "chart folder on this host to install the addon from (e2e --addon-chart); it and its file:// dependencies are mounted read-only")
	fs.StringVar(&f.KubeBlocksChart, "kubeblocks-chart", "", "chart folder on this host to install KubeBlocks from (e2e --kubeblocks-chart), mounted read-only")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return f, err
		}
		return f, usage.Errorf("%v", err)
	}
	if fs.NArg() > 0 {
		return f, usage.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if suites != "" {
		for _, s := range strings.Split(suites, ",") {
			if s = strings.TrimSpace(s); s != "" {
				f.Suites = append(f.Suites, s)
			}
		}
		if len(f.Suites) == 0 {
			return f, usage.Errorf("--suites %q: expected suite names", suites)
		}
	}
	return f, nil
}
