package runner

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/rmqkb/conformance/scenarios"
)

// serverVersion is what the brokers report they run at the end of the
// run, with the Cluster's
// serviceVersion beside it in props and a mismatch stated. When the
// brokers cannot be asked (an object dump, unreachable pods) it is the
// Cluster's serviceVersion, saying so and why: a report never passes off
// what was asked for as what runs.
func serverVersion(ctx context.Context, t *Target, props map[string]string) string {
	props["rocketmq.version.manifest"] = t.ServiceVersion
	v, err := scenarios.ServerVersion(ctx, t.Target)
	if err != nil {
		props["rocketmq.version.reported"] = err.Error()
		return t.ServiceVersion + " (the Cluster's serviceVersion; " + err.Error() + ")"
	}
	if v != t.ServiceVersion {
		props["rocketmq.version.mismatch"] = fmt.Sprintf("the brokers run %s; the Cluster's serviceVersion is %s", v, t.ServiceVersion)
	}
	return v
}

// SuiteVersion identifies this build of the suite in reports: a base
// version and, when the build knows it, the commit.
func SuiteVersion() string {
	const base = "0.1.0"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return base
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return base + "+" + s.Value[:12]
		}
	}
	return base
}
