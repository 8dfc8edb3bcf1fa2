package history

import (
	"sort"
	"time"
)

// Outage is a span in which a shard refused writes.
type Outage struct {
	Window
	// Open means no send to the shard succeeded again before the history
	// ended, so End is only the last write op seen, not a recovery.
	Open bool
	// Failures counts the failed sends in the window.
	Failures int
}

// isWrite reports whether op is part of a send. Only sends say whether a
// shard takes writes; deliveries trail behind them and would stretch an
// outage that is still open at the end.
func isWrite(op Op) bool {
	return op.Kind == Invoke || op.Kind == Ack || op.Kind == Fail
}

// Unavailable returns the write-unavailability windows of shard: each starts
// at the first failed send after an ack (or after the start of the history)
// and ends at the next ack on that shard. A window still open at the end
// ends at the last write op on the shard and is marked Open. The Window's
// Name is the shard.
func (h *History) Unavailable(shard string) []Outage {
	var out []Outage
	var cur *Outage
	var last time.Time
	for _, op := range h.Ops() {
		if op.Shard != shard || !isWrite(op) {
			continue
		}
		last = op.At
		switch op.Kind {
		case Fail:
			if cur == nil {
				cur = &Outage{Window: Window{Name: shard, Start: op.At}}
			}
			cur.Failures++
		case Ack:
			if cur != nil {
				cur.End = op.At
				out = append(out, *cur)
				cur = nil
			}
		}
	}
	if cur != nil {
		cur.End = last
		cur.Open = true
		out = append(out, *cur)
	}
	return out
}

// AcksIn counts acknowledged sends on shard within w, both ends included.
func (h *History) AcksIn(shard string, w Window) int { return h.countIn(Ack, shard, w) }

// TakenIn counts the writes shard took during w: sends both made and
// acknowledged within w, both ends included. An answer to a send made
// before w, read a moment into it, is not one: a broker that gave it and
// then stopped took nothing during w.
func (h *History) TakenIn(shard string, w Window) int {
	sent := map[string]bool{}
	n := 0
	for _, op := range h.Ops() {
		if op.Shard != shard || !w.contains(op.At) {
			continue
		}
		switch op.Kind {
		case Invoke:
			sent[op.ID] = true
		case Ack:
			if sent[op.ID] {
				n++
			}
		}
	}
	return n
}

// FailsIn counts failed sends on shard within w, both ends included.
func (h *History) FailsIn(shard string, w Window) int { return h.countIn(Fail, shard, w) }

func (h *History) countIn(kind Kind, shard string, w Window) int {
	n := 0
	for _, op := range h.Ops() {
		if op.Kind == kind && op.Shard == shard && w.contains(op.At) {
			n++
		}
	}
	return n
}

// Shards returns the shards producers sent to, sorted, so a case can check
// every shard's availability without knowing the topology.
func (h *History) Shards() []string {
	seen := map[string]bool{}
	for _, op := range h.Ops() {
		if op.Kind == Invoke && op.Shard != "" {
			seen[op.Shard] = true
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
