package history

import "time"

// Window is a named span of time, such as a fault or an outage.
type Window struct {
	Name       string
	Start, End time.Time
}

// Duration is End-Start, or zero for an empty or inverted window.
func (w Window) Duration() time.Duration {
	if d := w.End.Sub(w.Start); d > 0 {
		return d
	}
	return 0
}

// contains reports whether t lies in the window, both ends included, so an
// op stamped exactly at a boundary is not silently dropped.
func (w Window) contains(t time.Time) bool {
	return !t.Before(w.Start) && !t.After(w.End)
}

// FaultWindows pairs each fault-start with the next fault-end of the same
// name and returns the windows ordered by start. A fault never ended (the
// case stopped early) runs to the last op, because that is as far as the
// history can vouch for it; a fault-end with no open start is ignored.
func (h *History) FaultWindows() []Window {
	ops := h.Ops()
	if len(ops) == 0 {
		return nil
	}
	var out []Window
	open := map[string][]int{} // fault name -> indexes into out still open, oldest first
	for _, op := range ops {
		switch op.Kind {
		case FaultStart:
			open[op.Fault] = append(open[op.Fault], len(out))
			out = append(out, Window{Name: op.Fault, Start: op.At})
		case FaultEnd:
			if q := open[op.Fault]; len(q) > 0 {
				out[q[0]].End = op.At
				open[op.Fault] = q[1:]
			}
		}
	}
	last := ops[len(ops)-1].At
	for _, q := range open {
		for _, i := range q {
			out[i].End = last
		}
	}
	return out
}
