package scenarios

import (
	"fmt"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/starvation"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// judgeLate records that timing clause c was exceeded during w: failed, or
// inconclusive when the machine starved one of procs meanwhile. procs are
// the processes the bound depends on (Broker.Pod names; namesrvProcesses).
func judgeLate(t *T, c verdict.Clause, w history.Window, procs []string, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if why := starvedDuring(t, w, procs); why != "" {
		t.Inconclusivef(c, "%s; but %s", msg, why)
		return
	}
	t.Errorf(c, "%s", msg)
}

// starvedDuring says how the machine starved one of procs during w, as
// the case's own watch or that of a shared run it judges saw it, or "".
func starvedDuring(t *T, w history.Window, procs []string) string {
	t.mu.Lock()
	watches := append([]*starvation.Watch{t.starve}, t.watches...)
	t.mu.Unlock()
	for _, s := range watches {
		if s == nil {
			continue
		}
		if why := s.Starved(w, procs); why != "" {
			return why
		}
	}
	return ""
}

// namesrvProcess names the process of namesrv i (in the order Namesrvs
// lists them), or is "" where the target has no process table.
func namesrvProcess(t *T, i int) string {
	if ns := namesrvProcesses(t); i < len(ns) {
		return ns[i]
	}
	return ""
}

// namesrvProcesses names the target's namesrv processes, where it has a
// process table.
func namesrvProcesses(t *T) []string {
	pt := t.Target.Abilities().Processes
	if pt == nil {
		return nil
	}
	var out []string
	for _, p := range pt.Processes() {
		if p.Namesrv {
			out = append(out, p.Name)
		}
	}
	return out
}

// pods names bs.
func pods(bs []target.Broker) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Pod)
	}
	return out
}

// brokerProcesses names every broker of shards.
func brokerProcesses(shards []target.Shard) []string {
	var out []string
	for _, s := range shards {
		for _, b := range s.Brokers {
			out = append(out, b.Pod)
		}
	}
	return out
}
