package history

import (
	"fmt"
	"sort"
	"strings"
)

// Report is the checker's verdict on one consumer scope. Counts are of
// distinct message ids.
type Report struct {
	// Invoked counts ids a producer tried to send.
	Invoked int
	// Acked counts ids with at least one acknowledged send.
	Acked int
	// FailedSends counts ids whose sends all reported an error (none acked).
	FailedSends int
	// Delivered counts ids the scope received at least once.
	Delivered int
	// Lost lists acked ids the scope never received and no broker read
	// (a held scope) holds, sorted: the broker promised to keep them.
	Lost []string
	// LostAcks are the acknowledgements of the lost ids, in Lost's order:
	// where the broker said it stored each one.
	LostAcks []Op
	// Undelivered lists acked ids a broker read holds but the scope never
	// received, sorted: the brokers kept them, the consumer did not get
	// them. Only a Check with held scopes tells them from Lost.
	Undelivered []string
	// Duplicated maps ids the scope received more than once to how many
	// times it received them.
	Duplicated map[string]int
	// Unexpected lists ids the scope received that nobody sent, sorted.
	Unexpected []string
	// Recovered lists ids the scope received although no send of them was
	// acked (it failed, or its outcome was never recorded), sorted. These
	// are indeterminate writes that landed; that is allowed, not a violation.
	Recovered []string
}

// Check judges the deliveries of one consumer scope against every send in
// the history. An id's send outcome is "acked" if any attempt was acked,
// else "failed" if any attempt failed, so a retried send that finally
// succeeded is held to the acked promise.
//
// held names the scopes of direct broker reads: an acked id the consumer
// never received is Undelivered when a held scope read it, and Lost only
// when none did. Without held scopes every such id counts as Lost.
func (h *History) Check(consumer string, held ...string) Report {
	invoked := map[string]bool{}
	acked := map[string]Op{}
	failed := map[string]bool{}
	delivered := map[string]int{}
	stored := map[string]bool{}
	isHeld := map[string]bool{}
	for _, s := range held {
		isHeld[s] = true
	}
	for _, op := range h.Ops() {
		switch op.Kind {
		case Invoke:
			invoked[op.ID] = true
		case Ack:
			if _, ok := acked[op.ID]; !ok {
				acked[op.ID] = op
			}
		case Fail:
			failed[op.ID] = true
		case Deliver:
			if op.Consumer == consumer {
				delivered[op.ID]++
			}
			if isHeld[op.Consumer] {
				stored[op.ID] = true
			}
		}
	}

	r := Report{Invoked: len(invoked), Acked: len(acked), Delivered: len(delivered), Duplicated: map[string]int{}}
	for id := range failed {
		if _, ok := acked[id]; !ok {
			r.FailedSends++
		}
	}
	for id := range acked {
		switch {
		case delivered[id] > 0:
		case stored[id]:
			r.Undelivered = append(r.Undelivered, id)
		default:
			r.Lost = append(r.Lost, id)
		}
	}
	for id, n := range delivered {
		if n > 1 {
			r.Duplicated[id] = n
		}
		switch {
		case !invoked[id]:
			r.Unexpected = append(r.Unexpected, id)
		case acked[id].Kind != Ack:
			r.Recovered = append(r.Recovered, id)
		}
	}
	sort.Strings(r.Lost)
	sort.Strings(r.Undelivered)
	for _, id := range r.Lost {
		r.LostAcks = append(r.LostAcks, acked[id])
	}
	sort.Strings(r.Unexpected)
	sort.Strings(r.Recovered)
	return r
}

// OK reports whether the scope got every acked message exactly once and
// nothing else.
func (r Report) OK() bool {
	return len(r.Lost) == 0 && len(r.Undelivered) == 0 && len(r.Duplicated) == 0 && len(r.Unexpected) == 0
}

// Progress renders the report while deliveries are still awaited, for a
// wait's progress: what has arrived and what has not yet. It never uses a
// verdict's words (lost, undelivered): until the wait is over and the
// brokers are read back, a message not yet received is neither.
func (r Report) Progress() string {
	return fmt.Sprintf("acked %d, received %d, not received yet %d, received more than once %d",
		r.Acked, r.Delivered, len(r.Lost)+len(r.Undelivered), len(r.Duplicated))
}

// shownIDs bounds how many ids of each violation String names, so a report
// line stays readable when thousands of messages go missing.
const shownIDs = 5

// String renders the report on one line, naming the first few ids of each
// violation so a reader can grep the history for them.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invoked %d, acked %d, failed %d, delivered %d: lost %d, undelivered %d, duplicated %d, unexpected %d, recovered %d",
		r.Invoked, r.Acked, r.FailedSends, r.Delivered, len(r.Lost), len(r.Undelivered), len(r.Duplicated), len(r.Unexpected), len(r.Recovered))
	if len(r.Lost) > 0 {
		b.WriteString("; lost: " + firstIDs(r.Lost))
	}
	if len(r.Undelivered) > 0 {
		b.WriteString("; undelivered: " + firstIDs(r.Undelivered))
	}
	if len(r.Duplicated) > 0 {
		ids := make([]string, 0, len(r.Duplicated))
		for id := range r.Duplicated {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for i, id := range ids {
			ids[i] = fmt.Sprintf("%s x%d", id, r.Duplicated[id])
		}
		b.WriteString("; duplicated: " + firstIDs(ids))
	}
	if len(r.Unexpected) > 0 {
		b.WriteString("; unexpected: " + firstIDs(r.Unexpected))
	}
	return b.String()
}

// firstIDs joins up to shownIDs entries and says how many were left out.
func firstIDs(ids []string) string {
	if len(ids) <= shownIDs {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s (+%d more)", strings.Join(ids[:shownIDs], ", "), len(ids)-shownIDs)
}
