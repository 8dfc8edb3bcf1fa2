package scenarios

import (
	"fmt"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// judgeLate records that timing clause c was exceeded during w: failed, or
// inconclusive when the machine starved one of procs meanwhile. procs are
// the processes the bound depends on (Broker.Pod names; namesrvProcesses).
func judgeLate(t *T, c verdict.Clause, w history.Window, procs []string, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if t.starve != nil {
		if why := t.starve.Starved(w, procs); why != "" {
			t.Inconclusivef(c, "%s; but %s", msg, why)
			return
		}
	}
	t.Errorf(c, "%s", msg)
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
