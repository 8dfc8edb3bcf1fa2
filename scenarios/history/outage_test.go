package history

import (
	"errors"
	"reflect"
	"testing"
)

var errDown = errors.New("connection refused")

// unavailableCase is a scripted history and the outages of shard s1 in it.
type unavailableCase struct {
	name   string
	script func(h *History) // op i is stamped at(i)
	want   []Outage
}

// unavailableCases is TestUnavailable's table.
var unavailableCases = []unavailableCase{
	{
		name: "shard never failing",
		script: func(h *History) {
			h.Invoke("a", "s1") // 0
			h.Ack("a", "s1", 0, 1)
			h.Invoke("b", "s1")
			h.Ack("b", "s1", 0, 2)
		},
		want: nil,
	},
	{
		name: "one outage",
		script: func(h *History) {
			h.Invoke("a", "s1")    // 0
			h.Ack("a", "s1", 0, 1) // 1
			h.Invoke("b", "s1")    // 2
			h.Fail("b", "s1", errDown)
			h.Invoke("c", "s1") // 4
			h.Fail("c", "s1", errDown)
			h.Invoke("d", "s1")    // 6
			h.Ack("d", "s1", 0, 2) // 7
		},
		want: []Outage{{Window: Window{Name: "s1", Start: at(3), End: at(7)}, Failures: 2}},
	},
	{
		name: "two outages",
		script: func(h *History) {
			h.Invoke("a", "s1")        // 0
			h.Fail("a", "s1", errDown) // 1: from the start
			h.Invoke("b", "s1")        // 2
			h.Ack("b", "s1", 0, 1)     // 3
			h.Invoke("c", "s1")        // 4
			h.Fail("c", "s1", errDown) // 5
			h.Invoke("d", "s1")        // 6
			h.Ack("d", "s1", 0, 2)     // 7
		},
		want: []Outage{
			{Window: Window{Name: "s1", Start: at(1), End: at(3)}, Failures: 1},
			{Window: Window{Name: "s1", Start: at(5), End: at(7)}, Failures: 1},
		},
	},
	{
		name: "still open at end",
		script: func(h *History) {
			h.Invoke("a", "s1")        // 0
			h.Ack("a", "s1", 0, 1)     // 1
			h.Invoke("b", "s1")        // 2
			h.Fail("b", "s1", errDown) // 3
			h.Invoke("c", "s1")        // 4
			h.Fail("c", "s1", errDown) // 5
			h.Invoke("d", "s1")        // 6: last write op on s1
			h.Deliver("g", "a", "s1", 0, 1)
		},
		want: []Outage{{Window: Window{Name: "s1", Start: at(3), End: at(6)}, Open: true, Failures: 2}},
	},
	{
		name: "other shards do not open or close an outage",
		script: func(h *History) {
			h.Invoke("a", "s1")        // 0
			h.Fail("a", "s1", errDown) // 1
			h.Invoke("b", "s2")        // 2
			h.Ack("b", "s2", 0, 1)     // 3: another shard's ack
			h.Invoke("c", "s2")        // 4
			h.Fail("c", "s2", errDown) // 5: another shard's failure
			h.Invoke("d", "s1")        // 6
			h.Ack("d", "s1", 0, 1)     // 7
		},
		want: []Outage{{Window: Window{Name: "s1", Start: at(1), End: at(7)}, Failures: 1}},
	},
}

func TestUnavailable(t *testing.T) {
	for _, tt := range unavailableCases {
		t.Run(tt.name, func(t *testing.T) {
			h := scripted()
			tt.script(h)
			got := h.Unavailable("s1")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Unavailable = %+v\nwant          %+v", got, tt.want)
			}
			for _, o := range got {
				if n := h.FailsIn("s1", o.Window); n != o.Failures {
					t.Errorf("FailsIn(outage) = %d, Failures = %d", n, o.Failures)
				}
			}
		})
	}
}

func TestOutageDuration(t *testing.T) {
	o := Outage{Window: Window{Start: at(3), End: at(7)}}
	if got := o.Duration(); got != 4e9 {
		t.Errorf("Duration = %v, want 4s", got)
	}
	if got := (Window{Start: at(7), End: at(3)}).Duration(); got != 0 {
		t.Errorf("inverted window Duration = %v, want 0", got)
	}
}

func TestAcksAndFailsIn(t *testing.T) {
	h := scripted()
	h.Invoke("a", "s1")        // 0
	h.Ack("a", "s1", 0, 1)     // 1
	h.Invoke("b", "s2")        // 2
	h.Ack("b", "s2", 0, 1)     // 3
	h.Invoke("c", "s1")        // 4
	h.Fail("c", "s1", errDown) // 5
	h.Invoke("d", "s1")        // 6
	h.Ack("d", "s1", 0, 2)     // 7

	w := Window{Start: at(1), End: at(5)} // both ends included
	if got := h.AcksIn("s1", w); got != 1 {
		t.Errorf("AcksIn(s1) = %d, want 1", got)
	}
	if got := h.AcksIn("s2", w); got != 1 {
		t.Errorf("AcksIn(s2) = %d, want 1", got)
	}
	if got := h.FailsIn("s1", w); got != 1 {
		t.Errorf("FailsIn(s1) = %d, want 1", got)
	}
	if got := h.FailsIn("s2", w); got != 0 {
		t.Errorf("FailsIn(s2) = %d, want 0", got)
	}
	if got := h.AcksIn("s1", Window{Start: at(2), End: at(6)}); got != 0 {
		t.Errorf("AcksIn(s1, 2..6) = %d, want 0", got)
	}
	// a's ack (1) answers a send made before the window: not taken in it.
	if got := h.TakenIn("s1", w); got != 0 {
		t.Errorf("TakenIn(s1, 1..5) = %d, want 0 (a was sent at 0)", got)
	}
	if got := h.TakenIn("s1", Window{Start: at(0), End: at(7)}); got != 2 {
		t.Errorf("TakenIn(s1, 0..7) = %d, want 2 (a and d)", got)
	}
}

func TestShards(t *testing.T) {
	h := New()
	h.Invoke("a", "broker-b")
	h.Invoke("b", "broker-a")
	h.Invoke("c", "broker-b")
	h.Deliver("g", "x", "broker-z", 0, 0) // deliveries do not define shards
	h.Invoke("d", "")                     // no route: no shard
	if got, want := h.Shards(), []string{"broker-a", "broker-b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Shards = %v, want %v", got, want)
	}
	if got := New().Shards(); len(got) != 0 {
		t.Errorf("empty Shards = %v", got)
	}
}
