package history

import (
	"strings"
	"testing"
	"time"
)

// TestCloneRecordsOnItsOwn: a judgement adds to a clone, never to the
// record it judges.
func TestCloneRecordsOnItsOwn(t *testing.T) {
	h := scripted()
	h.Invoke("a", "s1")
	h.Ack("a", "s1", 0, 1)
	c := h.Clone()
	c.Deliver("final", "a", "s1", 0, 1)
	if len(h.Ops()) != 2 || len(c.Ops()) != 3 {
		t.Errorf("record has %d ops, clone %d; want 2 and 3", len(h.Ops()), len(c.Ops()))
	}
}

// TestInsertKeepsTimeOrder: an op planted as if recorded earlier lands in
// its place.
func TestInsertKeepsTimeOrder(t *testing.T) {
	h := scripted()
	h.Invoke("a", "s1")    // t0
	h.FaultStart("kill")   // t0+1s
	h.Ack("a", "s1", 0, 1) // t0+2s
	h.Insert(Op{Kind: Fail, At: at(1).Add(-time.Millisecond), ID: "early", Shard: "s1", Err: "planted"})
	ops := h.Ops()
	if len(ops) != 4 || ops[1].ID != "early" || ops[2].Kind != FaultStart {
		t.Errorf("ops %+v; want the failure before the fault", ops)
	}
}

// TestRemoveDropsWhatMatches: an op removed is gone from every reading.
func TestRemoveDropsWhatMatches(t *testing.T) {
	h := scripted()
	h.Invoke("a", "s1")
	h.Ack("a", "s1", 0, 1)
	h.Invoke("b", "s2")
	h.Ack("b", "s2", 0, 1)
	if n := h.Remove(func(op Op) bool { return op.Kind == Ack && op.Shard == "s1" }); n != 1 {
		t.Fatalf("removed %d, want 1", n)
	}
	if h.IsAcked("a") || !h.IsAcked("b") {
		t.Errorf("after the removal: a acked %v, b acked %v", h.IsAcked("a"), h.IsAcked("b"))
	}
}

// TestProgressUsesNoVerdictWords: while deliveries are awaited, a report
// says what has not arrived yet, never that it is lost.
func TestProgressUsesNoVerdictWords(t *testing.T) {
	h := New()
	for _, id := range []string{"a", "b", "c"} {
		h.Invoke(id, "s1")
		h.Ack(id, "s1", 0, 1)
	}
	h.Deliver("g", "a", "s1", 0, 1)
	p := h.Check("g").Progress()
	if !strings.Contains(p, "not received yet 2") || strings.Contains(p, "lost") || strings.Contains(p, "undelivered") {
		t.Errorf("progress %q: want the 2 not received yet, and no verdict's words", p)
	}
}
