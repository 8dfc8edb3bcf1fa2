package verdict

import (
	"slices"
	"testing"
	"time"
)

// TestReplayKeepsWaits: a shared run's record replayed into a case gives
// it the run's figures whole, a wait's timer included, so the report
// still names the timer the case was judged from.
func TestReplayKeepsWaits(t *testing.T) {
	shared := NewRecord(Case{Suite: "shared", Name: "run"})
	shared.T().Waited("reregistered_after", 25400*time.Millisecond, "every 30 s")
	shared.T().Figure("acked", 3, "")
	c := NewRecord(Case{Suite: "s", Name: "c"})
	shared.Replay(c.T(), false)
	got := c.Result(0).Figures
	want := []Figure{{Name: "reregistered_after", Value: 25400, Unit: "ms", Timer: "every 30 s"}, {Name: "acked", Value: 3}}
	if !slices.Equal(got, want) {
		t.Errorf("replayed figures %+v, want %+v", got, want)
	}
}
