package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/cli"
	"github.com/rmqkb/conformance/internal/topology"
)

const testImage = "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"

// What a user types by hand, after `go run .`.
func TestE2EArgsAreWhatAUserTypes(t *testing.T) {
	base := Flags{KindNodeImage: testImage, KubeBlocksVersion: "1.0.2", AddonVersion: "1.0.2", Timeout: 15 * time.Minute, Reports: "reports"}
	for _, tc := range []struct {
		name  string
		edit  func(*Flags)
		typed string
	}{
		{"defaults", func(*Flags) {},
			"e2e --kind-node-image " + testImage + " --kubeblocks-version 1.0.2 --addon-version 1.0.2 --timeout 15m0s --reports /out/reports"},
		{"routing on 2x2", func(f *Flags) { f.Run, f.Shards, f.Replicas = "^routing/", 2, 2 },
			"e2e --run ^routing/ --shards 2 --replicas 2 --kind-node-image " + testImage + " --kubeblocks-version 1.0.2 --addon-version 1.0.2 --timeout 15m0s --reports /out/reports"},
		{"suites and keep", func(f *Flags) {
			f.Suites, f.KeepOnFailure, f.Timeout = []string{"routing", "failover"}, true, time.Hour
		},
			"e2e --run ^(routing|failover)/ --kind-node-image " + testImage + " --kubeblocks-version 1.0.2 --addon-version 1.0.2 --timeout 1h0m0s --reports /out/reports --keep"},
		{"three namesrvs, quick", func(f *Flags) { f.Namesrvs, f.Profile = 3, "quick" },
			"e2e --namesrvs 3 --profile quick --kind-node-image " + testImage + " --kubeblocks-version 1.0.2 --addon-version 1.0.2 --timeout 15m0s --reports /out/reports"},
		{"both modes", func(f *Flags) { f.Mode = topology.Mode{ACL: true, DLedger: true} },
			"e2e --acl --dledger --kind-node-image " + testImage + " --kubeblocks-version 1.0.2 --addon-version 1.0.2 --timeout 15m0s --reports /out/reports"},
		{"one suite, other versions", func(f *Flags) { f.Suites, f.KubeBlocksVersion, f.AddonVersion = []string{"layout"}, "1.2.0", "1.2.1" },
			"e2e --run ^layout/ --kind-node-image " + testImage + " --kubeblocks-version 1.2.0 --addon-version 1.2.1 --timeout 15m0s --reports /out/reports"},
		{"offline", func(f *Flags) { f.RegistryMirror = "registry.rmqkb.test:5000" },
			"e2e --kind-node-image " + testImage + " --kubeblocks-version 1.0.2 --addon-version 1.0.2 --timeout 15m0s --reports /out/reports" +
				" --registry-mirror registry.rmqkb.test:5000 --addon-chart /inputs/addon-chart/rocketmq --kubeblocks-chart /inputs/kubeblocks-chart/helm"},
	} {
		f := base
		tc.edit(&f)
		charts := map[string]string{}
		if f.RegistryMirror != "" {
			charts = offlineCharts
		}
		if got, want := E2EArgs(f, charts), strings.Fields(tc.typed); !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, want)
		}
	}
}

// offlineCharts are chart folders as the run step sees them.
var offlineCharts = map[string]string{"--addon-chart": "/inputs/addon-chart/rocketmq", "--kubeblocks-chart": "/inputs/kubeblocks-chart/helm"}

// Every argument the pipeline passes is accepted by the real e2e command:
// the suite's own cli.Main parses them, then -h stops it before anything
// starts. An unknown flag or a value of the wrong type would fail the
// parse with exit 2 ("flag provided but not defined"), so the table in
// E2EArgs cannot drift from cli without this test failing.
func TestE2EArgsParseWithTheRealE2ECommand(t *testing.T) {
	for _, f := range []Flags{
		{KindNodeImage: testImage, KubeBlocksVersion: "1.0.2", AddonVersion: "1.0.2", Timeout: 15 * time.Minute},
		{KindNodeImage: testImage, KubeBlocksVersion: "1.0.2", AddonVersion: "1.0.2", Timeout: time.Hour,
			Suites: []string{"routing", "messaging"}, Shards: 2, Replicas: 3, KeepOnFailure: true, Mode: topology.Mode{ACL: true, DLedger: true},
			RegistryMirror: "registry.rmqkb.test:5000"},
	} {
		args := append(E2EArgs(f, offlineCharts), "-h")
		var stdout, stderr strings.Builder
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		code := cli.Main(ctx, args, &stdout, &stderr)
		cancel()
		if code != 0 || strings.Contains(stderr.String(), "not defined") || strings.Contains(stderr.String(), "invalid value") {
			t.Errorf("cli.Main(%q) = %d; stderr:\n%s", args, code, stderr.String())
		}
		for _, a := range E2EArgs(f, offlineCharts)[1:] {
			if name, ok := strings.CutPrefix(a, "--"); ok && !strings.Contains(stderr.String(), "-"+name+" ") && !strings.Contains(stderr.String(), "-"+name+"\n") {
				t.Errorf("e2e's usage does not list -%s", name)
			}
		}
	}
	// And the check has teeth: a flag e2e lacks is refused.
	var stderr strings.Builder
	if code := cli.Main(t.Context(), []string{"e2e", "--keep-on-failure", "-h"}, &strings.Builder{}, &stderr); code != 2 {
		t.Errorf("e2e --keep-on-failure: exit %d, want 2; stderr %s", code, stderr.String())
	}
}
