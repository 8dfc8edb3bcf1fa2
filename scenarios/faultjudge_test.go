package scenarios

import (
	"errors"
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
		if got := f.lossClause(tc.rep, []storeLoss{{"s0", kmStore, kill}}).ID; got != tc.want {
			t.Errorf("%s: clause %s, want %s", tc.name, got, tc.want)
		}
	}
}
