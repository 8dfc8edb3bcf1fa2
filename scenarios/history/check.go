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
	// Lost lists acked ids the scope never received, sorted: the broker
	// promised to keep them.
	Lost []string
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
func (h *History) Check(consumer string) Report {
	invoked := map[string]bool{}
	acked := map[string]bool{}
	failed := map[string]bool{}
	delivered := map[string]int{}
	for _, op := range h.Ops() {
		switch op.Kind {
		case Invoke:
			invoked[op.ID] = true
		case Ack:
			acked[op.ID] = true
		case Fail:
			failed[op.ID] = true
		case Deliver:
			if op.Consumer == consumer {
				delivered[op.ID]++
			}
		}
	}

	r := Report{Invoked: len(invoked), Acked: len(acked), Delivered: len(delivered), Duplicated: map[string]int{}}
	for id := range failed {
		if !acked[id] {
			r.FailedSends++
		}
	}
	for id := range acked {
		if delivered[id] == 0 {
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
		case !acked[id]:
			r.Recovered = append(r.Recovered, id)
		}
	}
	sort.Strings(r.Lost)
	sort.Strings(r.Unexpected)
	sort.Strings(r.Recovered)
	return r
}

// OK reports whether the scope got every acked message exactly once and
// nothing else.
func (r Report) OK() bool {
	return len(r.Lost) == 0 && len(r.Duplicated) == 0 && len(r.Unexpected) == 0
}

// shownIDs bounds how many ids of each violation String names, so a report
// line stays readable when thousands of messages go missing.
const shownIDs = 5

// String renders the report on one line, naming the first few ids of each
// violation so a reader can grep the history for them.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invoked %d, acked %d, failed %d, delivered %d: lost %d, duplicated %d, unexpected %d, recovered %d",
		r.Invoked, r.Acked, r.FailedSends, r.Delivered, len(r.Lost), len(r.Duplicated), len(r.Unexpected), len(r.Recovered))
	if len(r.Lost) > 0 {
		b.WriteString("; lost: " + firstIDs(r.Lost))
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
