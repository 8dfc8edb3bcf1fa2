package cli

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rmqkb/conformance/internal/sched"
	"github.com/rmqkb/conformance/testenv"
)

// BenchmarkFullRun measures time to a verdict: the whole default local run,
// JVM start-up included, as `go run .` does it. Run it with
//
//	go test -run '^$' -bench FullRun -benchtime 1x -timeout 30m ./cli
//
// It reports the wall time per run, the target's start-up and the slowest
// case, read from the run's own summary.json, and the machine's load as it
// ended (a busy machine stretches every figure).
func BenchmarkFullRun(b *testing.B) {
	testenv.Lock(b)
	defer reportLoad(b)
	var startup, slowest float64
	for i := 0; i < b.N; i++ {
		reports := filepath.Join(b.TempDir(), "reports")
		start := time.Now()
		code, out := runB(b, "--reports", reports)
		b.ReportMetric(time.Since(start).Seconds(), "s/run")
		if code != ExitPassed {
			b.Fatalf("exit %d:\n%s", code, out)
		}
		for _, r := range summaryResults(b, reports) {
			d := time.Duration(r.Duration).Seconds()
			if r.ID == "setup/target" {
				startup = d
			} else if d > slowest {
				slowest = d
			}
		}
	}
	b.ReportMetric(startup, "s-startup")
	b.ReportMetric(slowest, "s-slowest-case")
}

// reportLoad reports the machine's load average and CPU pressure.
func reportLoad(b *testing.B) {
	l, err := sched.ReadLoad()
	if err != nil {
		b.Logf("machine load unreadable: %v", err)
		return
	}
	b.ReportMetric(l.Avg1, "load1")
	b.ReportMetric(l.CPUPressure, "cpu-pressure-%")
	b.Logf("machine: %s", l)
}
