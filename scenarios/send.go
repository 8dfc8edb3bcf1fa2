package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// newHistory starts a history of the case's sends and deliveries. Every
// send recorded in it is reported with its warnings when the case ends
// (reportWarnedAcks), whatever the case judges of it.
func newHistory(t *T) *history.History {
	h := history.New()
	sentThrough(t, h)
	return h
}

// sentThrough makes the case report the warned acknowledgements of h, a
// history another case recorded and this one judges.
func sentThrough(t *T, h *history.History) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !slices.Contains(t.sends, h) {
		t.sends = append(t.sends, h)
	}
}

// reportWarnedAcks reports every acknowledgement of the case's histories
// that came with FLUSH_DISK_TIMEOUT: a figure, and a warning in the
// evidence. Each is held to the acknowledged promise like any other ack
// (it must be read back wherever the case reads back), so this is what
// a reader learns of the machine, not a verdict.
func reportWarnedAcks(t *T) {
	t.mu.Lock()
	hs := append([]*history.History(nil), t.sends...)
	t.mu.Unlock()
	var warned []history.Op
	for _, h := range hs {
		warned = append(warned, h.Warned()...)
	}
	if len(warned) == 0 {
		return
	}
	w := warned[0]
	t.Figure("acked_flush_disk_timeout", float64(len(warned)), "")
	t.Logf("warning: %d sends were acknowledged %s (first: %s to %s at %s): stored, but the broker's SYNC_FLUSH outlasted its syncFlushTimeout on this machine; each is held to the acknowledged promise",
		len(warned), w.Err, w.ID, w.Shard, w.At.Format("15:04:05.000"))
}

// failedSends fails clause c for every send in h that failed: outside a
// fault, every write to a healthy cluster is acknowledged. A send that
// timed out while the machine starved its shard's master is inconclusive
// instead.
func failedSends(t *T, c verdict.Clause, h *history.History, shards []target.Shard) {
	judgeFailures(t, c, h, h.Failures(), shards, "with no fault injected")
}

// judgeFailures records failed sends fs of h under clause c: each that
// timed out while the machine starved the master it went to is excused
// as inconclusive; any other fails c. where says when they failed.
func judgeFailures(t *T, c verdict.Clause, h *history.History, fs []history.Op, shards []target.Shard, where string) {
	if len(fs) == 0 {
		return
	}
	invoked := map[string]time.Time{}
	for _, op := range h.Ops() {
		if op.Kind == history.Invoke {
			invoked[op.ID] = op.At
		}
	}
	master := map[string]string{}
	for _, s := range shards {
		master[s.Name] = s.Master().Pod
	}
	var real []history.Op
	var excused []string
	for _, op := range fs {
		why := ""
		if timedOut(op.Err) && master[op.Shard] != "" {
			why = starvedDuring(t, history.Window{Start: invoked[op.ID], End: op.At}, []string{master[op.Shard]})
		}
		if why == "" {
			real = append(real, op)
		} else {
			excused = append(excused, fmt.Sprintf("%s to %s timed out (%s), but %s", op.ID, op.Shard, op.Err, why))
		}
	}
	if len(real) > 0 {
		t.Errorf(c, "%d sends failed %s; first: %s to %s at %s: %s", len(real), where, real[0].ID, real[0].Shard, real[0].At.Format("15:04:05.000"), real[0].Err)
		return
	}
	t.Inconclusivef(c, "%d sends failed %s, each a timeout on a starved broker; first: %s", len(excused), where, excused[0])
}

// timedOut reports whether a send's error is its timeout: the broker did
// not answer in time, as opposed to refusing.
func timedOut(err string) bool {
	return strings.Contains(err, "timeout") || strings.Contains(err, "deadline exceeded")
}
