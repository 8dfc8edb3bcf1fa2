// Package starvation reads, while a case runs, how long the machine kept
// the target's processes (and the suite's own) waiting for a CPU, and the
// machine's CPU and I/O pressure, so that a timing clause exceeded while a
// process it depends on was starved is judged inconclusive, not failed.
// It judges nothing itself: it says who was starved during a window.
package starvation

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rmqkb/conformance/internal/sched"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// StarvedShare is the threshold: a process was starved during a window
// when its threads together waited runnable for a CPU at least this share
// of the window. A timing clause exceeded while a process it depends on
// was starved is inconclusive, never failed: the machine, not the
// addon, was slow. A stopped (SIGSTOP) or dead process waits on no run
// queue, so a planted freeze or kill is never excused.
const StarvedShare = 0.25

// Every is how often the case's processes are read.
const Every = time.Second

// Watch samples, while a case runs, the scheduler accounting of the
// target's processes and the machine's pressure, so any window of the
// case can be judged afterwards.
type Watch struct {
	list   func() []target.Process // nil: only the machine's pressure
	start  time.Time
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	samples []starveSample
}

// starveSample is one reading of every process and of the machine.
type starveSample struct {
	at    time.Time
	procs map[string]procReading
	psi   sched.Pressure
	psiOK bool
}

type procReading struct {
	pid int
	sched.Reading
}

// Start starts sampling tgt's processes, when it has a table,
// and the machine's pressure until stop.
func Start(tgt target.Target) *Watch {
	s := &Watch{start: time.Now(), done: make(chan struct{})}
	if pt := tgt.Abilities().Processes; pt != nil {
		s.list = pt.Processes
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.sample()
	go func() {
		defer close(s.done)
		tick := time.NewTicker(Every) // the sampling interval
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				s.sample()
			}
		}
	}()
	return s
}

// Stop ends sampling with one last sample.
func (s *Watch) Stop() {
	s.cancel()
	<-s.done
	s.sample()
}

func (s *Watch) sample() {
	smp := starveSample{at: time.Now(), procs: map[string]procReading{}}
	if s.list != nil {
		for _, p := range s.list() {
			if r, err := sched.Process(p.PID); err == nil {
				smp.procs[p.Name] = procReading{p.PID, r}
			}
		}
	}
	if r, err := sched.Process(os.Getpid()); err == nil {
		smp.procs[SuiteProcess] = procReading{os.Getpid(), r}
	}
	smp.psi, smp.psiOK = readPressure()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples = append(s.samples, smp)
}

func readPressure() (sched.Pressure, bool) {
	p, err := sched.ReadPressure()
	return p, err == nil
}

// SuiteProcess names the suite's own process among the readings: its
// clients' sends and reads run there.
const SuiteProcess = "the suite"

// covering returns the samples from the last one at or before w.Start to
// the first one at or after w.End.
func (s *Watch) covering(w history.Window) []starveSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	from, to := 0, len(s.samples)-1
	for i, smp := range s.samples {
		if !smp.at.After(w.Start) {
			from = i
		}
		if !smp.at.Before(w.End) {
			to = i
			break
		}
	}
	if to < from {
		return nil
	}
	return append([]starveSample(nil), s.samples[from:to+1]...)
}

// waited is how long process name waited runnable for a CPU between the
// first and last of samples. A process started between two samples (a
// recreated broker) counts all its wait since its start; one that ended
// counts what was seen before.
func waited(samples []starveSample, name string) time.Duration {
	var total time.Duration
	for i := 1; i < len(samples); i++ {
		b, ok := samples[i].procs[name]
		if !ok {
			continue
		}
		a, was := samples[i-1].procs[name]
		if was && a.pid == b.pid {
			total += b.Wait - a.Wait
		} else {
			total += b.Wait
		}
	}
	return total
}

// pressure is the share of the samples' span during which some task of
// the machine waited for a CPU and for I/O, in percent, or -1.
//
// The kernel folds its per-CPU pressure counters into the totals in its
// own time, so over a short window the difference can exceed the window
// (a 40 ms case read 109% on a loaded run): the share is capped at 100.
func pressure(samples []starveSample) (cpu, io float64) {
	if len(samples) < 2 || !samples[0].psiOK || !samples[len(samples)-1].psiOK {
		return -1, -1
	}
	a, b := samples[0], samples[len(samples)-1]
	span := b.at.Sub(a.at)
	if span <= 0 {
		return -1, -1
	}
	share := func(d time.Duration) float64 { return min(100, 100*float64(d)/float64(span)) }
	return share(b.psi.CPU - a.psi.CPU), share(b.psi.IO - a.psi.IO)
}

// stoppedOrGone reports whether process name was stopped (SIGSTOP) in
// one of samples, or absent from one, or replaced: a process that was
// frozen, dead or recreated within a window is not excused by what the
// machine did to it the rest of the time.
func stoppedOrGone(samples []starveSample, name string) bool {
	pid := 0
	for _, smp := range samples {
		r, ok := smp.procs[name]
		switch {
		case !ok || r.Stopped:
			return true
		case pid != 0 && r.pid != pid:
			return true
		}
		pid = r.pid
	}
	return false
}

// Starved names the processes of procs the machine starved during w
// beyond StarvedShare, with the figures, or is "". A process stopped,
// dead or recreated during w is never starved.
func (s *Watch) Starved(w history.Window, procs []string) string {
	samples := s.covering(w)
	if len(samples) < 2 {
		return ""
	}
	span := samples[len(samples)-1].at.Sub(samples[0].at)
	var out []string
	for _, name := range procs {
		if stoppedOrGone(samples, name) {
			continue
		}
		if wt := waited(samples, name); span > 0 && float64(wt) >= StarvedShare*float64(span) {
			out = append(out, fmt.Sprintf("%s waited runnable for a CPU %s of %s (%.0f%%, threshold %.0f%%)",
				name, wt.Round(10*time.Millisecond), span.Round(10*time.Millisecond), 100*float64(wt)/float64(span), 100*StarvedShare))
		}
	}
	if len(out) == 0 {
		return ""
	}
	cpu, io := pressure(samples)
	return fmt.Sprintf("the machine starved %s; CPU pressure %s, I/O pressure %s over that window", strings.Join(out, "; "), verdict.Percent(cpu), verdict.Percent(io))
}

// Summary is the case's Starvation: over its whole run.
func (s *Watch) Summary() *verdict.Starvation {
	s.mu.Lock()
	samples := append([]starveSample(nil), s.samples...)
	s.mu.Unlock()
	out := &verdict.Starvation{CPUPressure: -1, IOPressure: -1}
	if len(samples) < 2 {
		return out
	}
	out.CPUPressure, out.IOPressure = pressure(samples)
	span := samples[len(samples)-1].at.Sub(samples[0].at)
	names := map[string]bool{}
	for _, smp := range samples {
		for n := range smp.procs {
			names[n] = n != SuiteProcess
		}
	}
	var sorted []string
	for n, judged := range names {
		if judged {
			sorted = append(sorted, n)
		}
	}
	sort.Strings(sorted)
	var most time.Duration
	for _, n := range sorted {
		if wt := waited(samples, n); wt > most || out.MostStarved == "" {
			most, out.MostStarved = wt, n
		}
	}
	if out.MostStarved != "" && span > 0 {
		out.MostStarvedWait = 100 * float64(most) / float64(span)
	}
	return out
}
