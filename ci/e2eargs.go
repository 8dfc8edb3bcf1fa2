package main

import (
	"regexp"

	"slices"
	"strconv"
	"strings"

	"github.com/rmqkb/conformance/verdict"
)

// ReportsInContainer is where e2e writes its reports in the run container;
// the pipeline exports this folder to the host.
const ReportsInContainer = "/out/reports"

// E2EArgs is the one place Flags become the `e2e` command line: exactly
// what a user would type after `go run .` to do the same by hand.
// --keep-on-failure becomes --keep: e2e decides before the run whether to
// tear down, so the run step removes the cluster itself when the verdict
// is 0 (see runScript).
//
// charts are the chart folders' paths in the run step, by flag.
func E2EArgs(f Flags, charts map[string]string) []string {
	args := []string{"e2e"}
	if run := runRegex(f); run != "" {
		args = append(args, "--run", run)
	}
	if f.Namesrvs > 0 {
		args = append(args, "--namesrvs", strconv.Itoa(f.Namesrvs))
	}
	if f.Shards > 0 {
		args = append(args, "--shards", strconv.Itoa(f.Shards))
	}
	if f.Replicas > 0 {
		args = append(args, "--replicas", strconv.Itoa(f.Replicas))
	}
	if f.Profile != "" && f.Profile != string(verdict.Full) {
		args = append(args, "--profile", f.Profile)
	}
	if f.Mode.ACL {
		args = append(args, "--acl")
	}
	if f.Mode.DLedger {
		args = append(args, "--dledger")
	}
	args = append(args,
		"--kind-node-image", f.KindNodeImage,
		"--kubeblocks-version", f.KubeBlocksVersion,
		"--addon-version", f.AddonVersion,
		"--timeout", f.Timeout.String(),
		"--reports", ReportsInContainer)
	if f.RegistryMirror != "" {
		args = append(args, "--registry-mirror", f.RegistryMirror)
	}
	for _, flag := range []string{"--addon-chart", "--kubeblocks-chart"} {
		if at, ok := charts[flag]; ok {
			args = append(args, flag, at)
		}
	}
	if f.KeepOnFailure {
		args = append(args, "--keep")
	}
	return args
}

// runRegex is --run, or the regex that selects exactly --suites.
func runRegex(f Flags) string {
	if len(f.Suites) == 0 {
		return f.Run
	}
	s := slices.Clone(f.Suites)
	for i := range s {
		s[i] = regexp.QuoteMeta(s[i])
	}
	if len(s) == 1 {
		return "^" + s[0] + "/"
	}
	return "^(" + strings.Join(s, "|") + ")/"
}
