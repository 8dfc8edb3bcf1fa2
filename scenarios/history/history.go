// Package history records what a scenario's clients did and saw, and judges it
// afterwards, in the manner of OpenChaos and Jepsen: every send attempt, its
// outcome, every delivery and every injected fault become an Op in one
// append-only History, and verdicts are computed from that history by a
// checker. Keeping the record separate from the judgement means a case cannot
// miscount under concurrency, and a failing case can dump the very ops the
// verdict was computed from (WriteTSV).
package history

import (
	"sort"
	"sync"
	"time"
)

// Kind says what an Op records.
type Kind string

const (
	// Invoke: a producer is about to send a message.
	Invoke Kind = "invoke"
	// Ack: the broker acknowledged the send (SEND_OK) at Shard/Queue/Offset.
	Ack Kind = "ack"
	// Fail: the send reported an error. The write is indeterminate: it may
	// still have been stored, so a later delivery of it is not a violation.
	Fail Kind = "fail"
	// Deliver: a consumer (Consumer scope) received the message.
	Deliver Kind = "deliver"
	// FaultStart and FaultEnd bracket an injected fault named Fault.
	FaultStart Kind = "fault-start"
	FaultEnd   Kind = "fault-end"
)

// Op is one recorded event. Fields that do not apply to a Kind stay zero.
type Op struct {
	Kind Kind
	At   time.Time
	// ID is the message key; the suite gives every message a unique one.
	ID string
	// Shard is the brokerName the message was sent to or delivered from.
	Shard  string
	Queue  int
	Offset int64
	// Consumer is the dedupe scope of a delivery: the group in clustering
	// mode, group+instance in broadcasting mode, where every instance must
	// see every message.
	Consumer string
	Err      string
	Fault    string
}

// History is a concurrency-safe, append-only log of Ops. Producers and
// consumers of a case share one and record into it from any goroutine.
type History struct {
	mu  sync.Mutex
	ops []Op
	// now stamps ops; tests replace it to get deterministic times.
	now func() time.Time
}

// New returns an empty History stamped with the wall clock.
func New() *History { return &History{now: time.Now} }

// record stamps op and appends it. The timestamp is taken under the lock so
// that record order and time order agree.
func (h *History) record(op Op) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.now == nil {
		h.now = time.Now
	}
	op.At = h.now()
	h.ops = append(h.ops, op)
}

// Invoke records that a send of message id to shard is starting.
func (h *History) Invoke(id, shard string) {
	h.record(Op{Kind: Invoke, ID: id, Shard: shard})
}

// Ack records that the send of id was acknowledged at shard/queue/offset.
func (h *History) Ack(id, shard string, queue int, offset int64) {
	h.record(Op{Kind: Ack, ID: id, Shard: shard, Queue: queue, Offset: offset})
}

// AckWarned records an acknowledgement that came with a warning: the
// broker stored id at queue and offset but could not confirm something it
// promises of a plain SEND_OK (its flush to disk, say). It is held to the
// acknowledged promise like any ack; Warned lists it.
func (h *History) AckWarned(id, shard string, queue int, offset int64, warning string) {
	h.record(Op{Kind: Ack, ID: id, Shard: shard, Queue: queue, Offset: offset, Err: warning})
}

// Warned returns the acknowledgements that came with a warning.
func (h *History) Warned() []Op {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Op
	for _, op := range h.ops {
		if op.Kind == Ack && op.Err != "" {
			out = append(out, op)
		}
	}
	return out
}

// Fail records that the send of id to shard reported err.
func (h *History) Fail(id, shard string, err error) {
	msg := "unknown error"
	if err != nil {
		msg = err.Error()
	}
	h.record(Op{Kind: Fail, ID: id, Shard: shard, Err: msg})
}

// Deliver records that consumer scope consumer received id from
// shard/queue/offset.
func (h *History) Deliver(consumer, id, shard string, queue int, offset int64) {
	h.record(Op{Kind: Deliver, Consumer: consumer, ID: id, Shard: shard, Queue: queue, Offset: offset})
}

// FaultStart records that the fault called name is being injected.
func (h *History) FaultStart(name string) { h.record(Op{Kind: FaultStart, Fault: name}) }

// FaultEnd records that the fault called name is over (the process is back).
func (h *History) FaultEnd(name string) { h.record(Op{Kind: FaultEnd, Fault: name}) }

// Clone returns a copy of h that records on its own: what a judgement may
// add to (a test's planted op, a read-back's deliveries) without changing
// the record it judges.
func (h *History) Clone() *History {
	h.mu.Lock()
	defer h.mu.Unlock()
	return &History{ops: append([]Op(nil), h.ops...), now: h.now}
}

// Insert adds op at op.At, keeping the ops in time order: for a test that
// plants an op as if it had been recorded then.
func (h *History) Insert(op Op) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := sort.Search(len(h.ops), func(i int) bool { return h.ops[i].At.After(op.At) })
	h.ops = append(h.ops[:i], append([]Op{op}, h.ops[i:]...)...)
}

// Remove drops every op drop matches and returns how many it dropped: for
// a test that plants a history in which something never happened.
func (h *History) Remove(drop func(Op) bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	kept := h.ops[:0]
	for _, op := range h.ops {
		if !drop(op) {
			kept = append(kept, op)
		}
	}
	n := len(h.ops) - len(kept)
	h.ops = kept
	return n
}

// Ops returns a copy of every op in record order, which is also time order.
func (h *History) Ops() []Op {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Op(nil), h.ops...)
}

// Acked returns the first acknowledgement of every acked id, in record
// order: where each message the brokers promised to keep was stored.
func (h *History) Acked() []Op {
	seen := map[string]bool{}
	var out []Op
	for _, op := range h.Ops() {
		if op.Kind == Ack && !seen[op.ID] {
			seen[op.ID] = true
			out = append(out, op)
		}
	}
	return out
}

// HighestAcked returns, for shard, the highest queue offset acknowledged
// in each queue: what a read of that shard must at least cover before
// anything can be called missing.
func (h *History) HighestAcked(shard string) map[int]int64 {
	out := map[int]int64{}
	for _, op := range h.Ops() {
		if op.Kind != Ack || op.Shard != shard {
			continue
		}
		if cur, ok := out[op.Queue]; !ok || op.Offset > cur {
			out[op.Queue] = op.Offset
		}
	}
	return out
}

// Failures returns every failed send, in record order.
func (h *History) Failures() []Op {
	var out []Op
	for _, op := range h.Ops() {
		if op.Kind == Fail {
			out = append(out, op)
		}
	}
	return out
}

// IsAcked reports whether any send of id was acknowledged.
func (h *History) IsAcked(id string) bool {
	for _, op := range h.Ops() {
		if op.Kind == Ack && op.ID == id {
			return true
		}
	}
	return false
}
