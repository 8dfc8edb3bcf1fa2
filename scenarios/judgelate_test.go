package scenarios

import (
	"context"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/starvation"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// processTarget is a stub target whose process table is real processes.
type processTarget struct {
	stubTarget
	procs []target.Process
}

func (p processTarget) Processes() []target.Process { return p.procs }

func (p processTarget) Abilities() target.Abilities {
	a := p.stubTarget.Abilities()
	a.Processes = p
	return a
}

// spinner starts a process that keeps a CPU busy until the test ends.
func spinner(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", "while :; do :; done")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a shell loop: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// TestStarvedIsInconclusiveFrozenIsFailed shows both sides of a timing
// clause on a machine whose run queues hold three spinning processes per
// core: a bound exceeded while its process waited runnable for a CPU is
// inconclusive, naming the process; the same bound exceeded by a process
// that is stopped (SIGSTOP), and so waits on no run queue, fails.
func TestStarvedIsInconclusiveFrozenIsFailed(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: keeps every core busy for a few seconds")
	}
	var busy []*exec.Cmd
	for range 3 * runtime.NumCPU() {
		busy = append(busy, spinner(t))
	}
	frozen := spinner(t)
	if err := frozen.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	midway := spinner(t)
	tgt := processTarget{procs: []target.Process{{Name: "starved", PID: busy[0].Process.Pid}, {Name: "frozen", PID: frozen.Process.Pid},
		{Name: "midway", PID: midway.Process.Pid}}}
	late := verdict.Clause{ID: "late", Text: "it happens in time"}
	for _, tc := range []struct {
		proc   string
		status verdict.Status
		says   string
	}{
		{"starved", verdict.Errored, "the machine starved starved waited runnable for a CPU"},
		{"frozen", verdict.Failed, "[late] frozen took too long"},
		// Starved, then frozen: a process stopped within the window is
		// not excused by what the machine did to it before.
		{"midway", verdict.Failed, "[late] midway took too long"},
	} {
		t.Run(tc.proc, func(t *testing.T) {
			r := NewSession(tgt).Run(context.Background(), Case{Case: verdict.Case{Suite: "test", Name: "case", Promise: "p", Clauses: []verdict.Clause{late}}, Run: func(ctx context.Context, t *T) {
				start := time.Now()
				// The window's length: what is measured, not a wait for
				// a condition.
				<-time.After(2 * starvation.Every)
				if tc.proc == "midway" {
					midway.Process.Signal(syscall.SIGSTOP)
				}
				<-time.After(starvation.Every + starvation.Every/2)
				judgeLate(t, late, history.Window{Start: start, End: time.Now()}, []string{tc.proc}, "%s took too long", tc.proc)
			}})
			if r.Status != tc.status || !strings.Contains(r.Observed, tc.says) {
				t.Errorf("got %s %q, want %s saying %q", r.Status, r.Observed, tc.status, tc.says)
			}
			if tc.status == verdict.Errored && !slices.Equal(r.InconclusiveClauses, []string{"test/case#late"}) {
				t.Errorf("inconclusive clauses %v", r.InconclusiveClauses)
			}
			if r.Starvation == nil || r.Starvation.MostStarved == "" || r.Starvation.MostStarvedWait <= 0 {
				t.Errorf("starvation %+v, want the most starved process named with its wait", r.Starvation)
			}
		})
	}
}
