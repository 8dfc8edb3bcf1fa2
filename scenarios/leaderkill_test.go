package scenarios

import (
	"testing"
	"time"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
)

// TestResumedAfterTheLeaderIsDown: a write the old leader acknowledged
// between the kill request and its end is not the shard taking writes
// again. On kind a deleted pod's broker answered 42 ms after the kill, and
// a window closed there turned the election's timed-out sends into
// failures "outside the fault window".
func TestResumedAfterTheLeaderIsDown(t *testing.T) {
	kill := time.Date(2026, 12, 2, 8, 12, 40, 0, time.UTC)
	e := &leaderKill{
		victim:  target.Broker{Pod: "broker-54f-0"},
		leader:  target.Broker{Pod: "broker-54f-1"},
		killAt:  kill,
		downAt:  kill.Add(time.Second),
		elected: 10 * time.Second,
	}
	h := history.New()
	at := func(d time.Duration, kind history.Kind, id string) {
		h.Insert(history.Op{Kind: kind, At: kill.Add(d), ID: id, Shard: "broker-54f"})
	}
	at(-10*time.Millisecond, history.Invoke, "old-leader")
	at(42*time.Millisecond, history.Ack, "old-leader")
	at(4*time.Second, history.Invoke, "during-election")
	at(5*time.Second, history.Fail, "during-election")
	at(11900*time.Millisecond, history.Invoke, "new-leader")
	at(12*time.Second, history.Ack, "new-leader")
	h.Insert(history.Op{Kind: history.Ack, At: kill.Add(3 * time.Second), ID: "elsewhere", Shard: "broker-rm5"})

	got := e.resumedIn(h, "broker-54f")
	if want := kill.Add(12 * time.Second); !got.Equal(want) {
		t.Fatalf("resumed at %s after the kill, want %s (the new leader's first write)", got.Sub(kill), want.Sub(kill))
	}
	h.Remove(func(op history.Op) bool { return op.ID == "new-leader" })
	if got := e.resumedIn(h, "broker-54f"); !got.IsZero() {
		t.Fatalf("with only the old leader's write, resumed at %s after the kill, want never", got.Sub(kill))
	}
}
