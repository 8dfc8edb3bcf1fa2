package history

import (
	"time"
)

// t0 is the fake start of every scripted history.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// scripted returns a History whose clock advances one second per op, so op i
// (zero-based) is stamped t0+i seconds.
func scripted() *History {
	h := New()
	n := 0
	h.now = func() time.Time {
		t := t0.Add(time.Duration(n) * time.Second)
		n++
		return t
	}
	return h
}

// at is the stamp of op i in a scripted history.
func at(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
