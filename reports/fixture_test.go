package reports

import (
	"time"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// nasty is failure text that must survive XML: markup, an entity, a CDATA
// terminator, a newline, an ANSI colour code and a NUL.
const nasty = "offset <12> & then ]]> oops\nsecond line \x1b[31mred\x1b[0m \x00"

// sampleRun has every status, an unknown suite, more than four figures and a
// pipe in a cell. Results are deliberately out of suite order.
func sampleRun() verdict.Run {
	return verdict.Run{
		Target:       "kube",
		Version:      "5.3.1",
		Topology:     scenarios.Topology{Cluster: "rocketmq-cluster", Namespace: "demo", Namesrvs: 1, Shards: 2, Replicas: 2},
		SuiteVersion: "v0.1.0",
		Properties:   map[string]string{"zeta": "last", "addon.version": "1.0.0"},
		Started:      time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Duration:     83 * time.Second,
		Results: []verdict.Result{
			{
				ID: "messaging/send-receive", Suite: "messaging", Case: "send-receive",
				Promise: "every acked message is delivered once", Status: verdict.Passed,
				Duration: 1200 * time.Millisecond,
				Evidence: []string{"500 sent, 500 received"},
				Figures: []verdict.Figure{
					{Name: "lag_p50", Value: 12, Unit: "ms"},
					{Name: "lag_p99", Value: 40.5, Unit: "ms"},
					{Name: "lag_max", Value: 51.25, Unit: "ms"},
					{Name: "messages", Value: 500},
					{Name: "hidden", Value: 1, Unit: "x"},
				},
			},
			{
				ID: "routing/brokers-registered", Suite: "routing", Case: "brokers-registered",
				Promise: "every broker registers in every namesrv", Status: verdict.Passed,
				Duration: 300 * time.Millisecond,
			},
			{
				ID: "routing/topic-route", Suite: "routing", Case: "topic-route",
				Promise:       "a|pipe promise & <tag>",
				Status:        verdict.Failed,
				Duration:      2500 * time.Millisecond,
				Observed:      nasty,
				Evidence:      []string{"route a|b", "namesrv-0 said <none>"},
				Figures:       []verdict.Figure{{Name: "window|x", Value: 0.1 + 0.2, Unit: "s"}},
				FailedClauses: []string{"routing/topic-route#routed", "routing/topic-route#writable"},
				Starvation:    &verdict.Starvation{CPUPressure: 71.4, IOPressure: 2, MostStarved: "broker-0", MostStarvedWait: 12.5},
			},
			{
				ID: "failover/kill-master", Suite: "failover", Case: "kill-master",
				Promise: "a slave takes over", Status: verdict.Errored,
				Duration:            61 * time.Second,
				Observed:            "case timed out",
				InconclusiveClauses: []string{"failover/kill-master#writes-resume"},
				LogTail:             "line 1\n```\nline 3 \x1b[1;32mdone\x1b[0m",
			},
			{
				ID: "accounts/acl", Suite: "accounts", Case: "acl",
				Promise: "ACL rejects bad keys", Status: verdict.Skipped,
				Observed: `target "local" cannot objects: no kube`,
			},
			{
				ID: "zz-extra/one", Suite: "zz-extra", Case: "one",
				Promise: "extra", Status: verdict.Passed,
			},
			{
				ID: "aa-extra/one", Suite: "aa-extra", Case: "one",
				Promise: "extra", Status: verdict.Passed,
			},
		},
	}
}
