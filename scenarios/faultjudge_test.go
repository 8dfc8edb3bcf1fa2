package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/readback"
)

// TestLossClause: a loss falls under the recreated master's store only
// when it is all on that shard and the master either never served the
// offsets or lost what was acknowledged before its recreation; any other
// loss is no-acked-loss. The case that made it exact: on a loaded machine
// a wiped store's offsets were refilled by new writes before the read-back
// (covered), and the loss was named no-acked-loss.
func TestLossClause(t *testing.T) {
	kill := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	before, after := kill.Add(-time.Second), kill.Add(time.Minute)
	lost := func(acks ...history.Op) history.Report {
		return history.Report{Lost: make([]string, len(acks)), LostAcks: acks}
	}
	on := func(shard string, at time.Time) history.Op {
		return history.Op{Kind: history.Ack, Shard: shard, At: at}
	}
	covered, uncovered, unread := &readback.Shard{Covered: true}, &readback.Shard{}, &readback.Shard{Covered: true, Err: errors.New("closed")}
	for _, tc := range []struct {
		name string
		read *readback.Shard
		rep  history.Report
		want string
	}{
		{"refilled, lost before the kill", covered, lost(on("s0", before), on("s0", before)), kmStore.ID},
		{"refilled, one lost after the return", covered, lost(on("s0", before), on("s0", after)), clauseNotLost.ID},
		{"never covered", uncovered, lost(on("s0", after)), kmStore.ID},
		{"not readable", unread, lost(on("s0", after)), kmStore.ID},
		{"another shard lost one too", uncovered, lost(on("s0", before), on("s1", before)), clauseNotLost.ID},
		{"lost on another shard only", covered, lost(on("s1", before)), clauseNotLost.ID},
	} {
		f := &faultRun{reads: map[string]*readback.Shard{"s0": tc.read, "s1": covered}}
		got, why := f.lossClause(tc.rep, []storeLoss{{"s0", kmStore, kill}})
		if got.ID != tc.want {
			t.Errorf("%s: clause %s, want %s", tc.name, got.ID, tc.want)
		}
		if said := strings.Contains(why, "came back without its store"); said != (got.ID == kmStore.ID) {
			t.Errorf("%s: clause %s, but says %q", tc.name, got.ID, why)
		}
	}
}

// TestFirstAckAfterCountsSendsAfter: a write counts as taken after from
// only when it was also sent after from. The planted kill-master row that
// showed why: its master, frozen the moment it was back, had answered a
// send just before; the client read that answer after the return, and the
// shard counted as writing again while frozen.
func TestFirstAckAfterCountsSendsAfter(t *testing.T) {
	from := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return from.Add(d) }
	h := history.New()
	for _, op := range []history.Op{
		{Kind: history.Invoke, At: at(-time.Millisecond), ID: "before", Shard: "s0"},
		{Kind: history.Ack, At: at(time.Millisecond), ID: "before", Shard: "s0"},
		{Kind: history.Invoke, At: at(2 * time.Second), ID: "other", Shard: "s1"},
		{Kind: history.Ack, At: at(3 * time.Second), ID: "other", Shard: "s1"},
		{Kind: history.Invoke, At: at(4 * time.Second), ID: "after", Shard: "s0"},
		{Kind: history.Ack, At: at(5 * time.Second), ID: "after", Shard: "s0"},
	} {
		h.Insert(op)
	}
	if got := firstAckAfter(h, "s0", from, time.Minute); !got.Equal(at(5 * time.Second)) {
		t.Errorf("first write after from: %v, want the one sent after it, at %v", got, at(5*time.Second))
	}
	if got := firstAckAfter(h, "s0", from, 4500*time.Millisecond); !got.IsZero() {
		t.Errorf("within 4.5 s: %v, want none (the only ack then answered a send from before)", got)
	}
}
