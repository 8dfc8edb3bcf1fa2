package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/verdict"
)

func TestMarkdownHeaderAndTable(t *testing.T) {
	md := Markdown(sampleRun())
	lines := strings.Split(md, "\n")

	if want := "## RocketMQ conformance: ERRORED (4 passed, 1 failed, 1 skipped, 1 errored)"; lines[0] != want {
		t.Errorf("title = %q\nwant    %q", lines[0], want)
	}
	if want := "Target **kube** · RocketMQ 5.3.1 · cluster rocketmq-cluster: 1 namesrv, 2 shards x 2 replicas · 1m23s"; lines[2] != want {
		t.Errorf("info line = %q\nwant        %q", lines[2], want)
	}

	wantRows := []string{
		"| case | verdict | duration | key figures | pressure |",
		"| --- | --- | --- | --- | --- |",
		"| routing/brokers-registered | passed | 0.3s |  |  |",
		`| routing/topic-route | failed #routed #writable | 2.5s | window\|x 0.3 s | cpu 71% io 2%; broker-0 waited 12% |`,
		"| messaging/send-receive | passed | 1.2s | lag_p50 12 ms; lag_p99 40.5 ms; lag_max 51.25 ms; messages 500; (+1 more) |  |",
		"| failover/kill-master | errored #writes-resume | 1m1s |  |  |",
		"| accounts/acl | skipped | 0s |  |  |",
		"| aa-extra/one | passed | 0s |  |  |",
		"| zz-extra/one | passed | 0s |  |  |",
	}
	start := indexOf(lines, wantRows[0])
	if start < 0 {
		t.Fatalf("no table header in\n%s", md)
	}
	for i, want := range wantRows {
		if got := lines[start+i]; got != want {
			t.Errorf("table row %d = %q\nwant          %q", i, got, want)
		}
	}
	for _, row := range lines[start : start+len(wantRows)] {
		if n := strings.Count(row, "|") - strings.Count(row, `\|`); n != 6 {
			t.Errorf("row %q has %d column separators, want 6", row, n)
		}
	}
}

func TestMarkdownFailuresAndSkips(t *testing.T) {
	md := Markdown(sampleRun())
	for _, want := range []string{
		"\n### Failures and errors\n",
		"\n#### routing/topic-route (failed)\n\n" +
			"- **failed clauses:** `routing/topic-route#routed`, `routing/topic-route#writable`\n" +
			"- **promised:** a|pipe promise &amp; &lt;tag&gt;\n" +
			"- **observed:** offset &lt;12&gt; &amp; then ]]&gt; oops second line red\n" +
			"- **evidence:**\n  - route a|b\n  - namesrv-0 said &lt;none&gt;\n",
		"\n#### failover/kill-master (errored)\n\n- **inconclusive clauses:** `failover/kill-master#writes-resume`\n- **promised:** a slave takes over\n- **observed:** case timed out\n",
		"<details><summary>log tail</summary>\n\n````\nline 1\n```\nline 3 done\n````\n\n</details>\n",
		"\n### Skipped\n\n- accounts/acl: target \"local\" cannot objects: no kube\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q\n---\n%s", want, md)
		}
	}
	if strings.Contains(md, "#### messaging/send-receive") || strings.Contains(md, "#### accounts/acl") {
		t.Errorf("passed or skipped case listed under failures:\n%s", md)
	}
}

func TestMarkdownVerdicts(t *testing.T) {
	res := func(s verdict.Status) verdict.Result {
		return verdict.Result{ID: "routing/x", Suite: "routing", Status: s}
	}
	tests := []struct {
		results []verdict.Result
		want    string
	}{
		{nil, "## RocketMQ conformance: PASSED (0 passed, 0 failed, 0 skipped, 0 errored)"},
		{[]verdict.Result{res(verdict.Passed), res(verdict.Skipped)}, "## RocketMQ conformance: PASSED (1 passed, 0 failed, 1 skipped, 0 errored)"},
		{[]verdict.Result{res(verdict.Passed), res(verdict.Failed)}, "## RocketMQ conformance: FAILED (1 passed, 1 failed, 0 skipped, 0 errored)"},
		{[]verdict.Result{res(verdict.Failed), res(verdict.Errored)}, "## RocketMQ conformance: ERRORED (0 passed, 1 failed, 0 skipped, 1 errored)"},
	}
	for _, tt := range tests {
		md := Markdown(verdict.Run{Results: tt.results})
		if first, _, _ := strings.Cut(md, "\n"); first != tt.want {
			t.Errorf("title = %q, want %q", first, tt.want)
		}
	}
	if md := Markdown(verdict.Run{}); !strings.Contains(md, "No cases ran.") || strings.Contains(md, "| case |") {
		t.Errorf("empty run markdown:\n%s", md)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0s",
		40 * time.Millisecond:   "0.0s",
		1249 * time.Millisecond: "1.2s",
		59 * time.Second:        "59.0s",
		192*time.Second + 4e8:   "3m12s",
		2 * time.Hour:           "2h0m0s",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestFigureValue(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 12: "12", 0.1 + 0.2: "0.3", 1234567: "1234567", 2.0005: "2.001", 0.0000123: "1.23e-05", -4.5: "-4.5",
	} {
		if got := figureValue(v); got != want {
			t.Errorf("figureValue(%v) = %q, want %q", v, got, want)
		}
	}
}

func indexOf(lines []string, s string) int {
	for i, l := range lines {
		if l == s {
			return i
		}
	}
	return -1
}

// TestMarkdownWaitsOnTimers: a wait on a RocketMQ timer is listed once,
// naming every case judged from it; a figure without a timer is not.
func TestMarkdownWaitsOnTimers(t *testing.T) {
	shared := verdict.Figure{Name: "slave_topic_sync", Value: 8200, Unit: "ms", Timer: "slaves sync every 10 s"}
	run := verdict.Run{Duration: time.Minute, Results: []verdict.Result{
		{ID: "failover/kill-master", Suite: "failover", Figures: []verdict.Figure{shared, {Name: "acked", Value: 3}}},
		{ID: "failover/read-from-slave", Suite: "failover", Figures: []verdict.Figure{shared}},
		{ID: "failover/namesrv-restart", Suite: "failover", Figures: []verdict.Figure{{Name: "reregistered_after", Value: 25400, Unit: "ms", Timer: "every 30 s"}}},
	}}
	md := Markdown(run)
	for _, want := range []string{
		"| failover/kill-master, failover/read-from-slave | slave_topic_sync | 8.2s | slaves sync every 10 s |",
		"| failover/namesrv-restart | reregistered_after | 25.4s | every 30 s |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("no row %q in\n%s", want, md)
		}
	}
	if strings.Contains(md, "| acked |") {
		t.Errorf("a figure without a timer is listed as a wait:\n%s", md)
	}
}
