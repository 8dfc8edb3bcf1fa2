package history

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

var errBoom = errors.New("timeout")

// checkCase is a scripted history and what Check of scope "g" reports on it.
type checkCase struct {
	name   string
	script func(h *History)
	held   []string
	want   Report
	ok     bool
}

// checkCases is TestCheck's table.
var checkCases = []checkCase{
	{
		name: "clean",
		script: func(h *History) {
			for _, id := range []string{"a", "b"} {
				h.Invoke(id, "s1")
				h.Ack(id, "s1", 0, 1)
				h.Deliver("g", id, "s1", 0, 1)
			}
		},
		want: Report{Invoked: 2, Acked: 2, Delivered: 2},
		ok:   true,
	},
	{
		name: "lost",
		script: func(h *History) {
			h.Invoke("a", "s1")
			h.Ack("a", "s1", 0, 1)
			h.Invoke("b", "s1")
			h.Ack("b", "s1", 0, 2)
			h.Deliver("g", "a", "s1", 0, 1)
		},
		want: Report{Invoked: 2, Acked: 2, Delivered: 1, Lost: []string{"b"},
			LostAcks: []Op{{Kind: Ack, At: at(3), ID: "b", Shard: "s1", Queue: 0, Offset: 2}}},
	},
	{
		name: "duplicated",
		script: func(h *History) {
			h.Invoke("a", "s1")
			h.Ack("a", "s1", 0, 1)
			h.Deliver("g", "a", "s1", 0, 1)
			h.Deliver("g", "a", "s1", 0, 1)
			h.Deliver("g", "a", "s1", 0, 1)
		},
		want: Report{Invoked: 1, Acked: 1, Delivered: 1, Duplicated: map[string]int{"a": 3}},
	},
	{
		name: "unexpected",
		script: func(h *History) {
			h.Invoke("a", "s1")
			h.Ack("a", "s1", 0, 1)
			h.Deliver("g", "a", "s1", 0, 1)
			h.Deliver("g", "stray", "s1", 0, 7)
		},
		want: Report{Invoked: 1, Acked: 1, Delivered: 2, Unexpected: []string{"stray"}},
	},
	{
		name: "recovered failed send is not a violation",
		script: func(h *History) {
			h.Invoke("a", "s1")
			h.Fail("a", "s1", errBoom)
			h.Deliver("g", "a", "s1", 0, 1)
			h.Invoke("b", "s1")
			h.Fail("b", "s1", errBoom) // never landed: fine too
		},
		want: Report{Invoked: 2, FailedSends: 2, Delivered: 1, Recovered: []string{"a"}},
		ok:   true,
	},
	{
		name: "retried send that was acked is held to the promise",
		script: func(h *History) {
			h.Invoke("a", "s1")
			h.Fail("a", "s1", errBoom)
			h.Invoke("a", "s2")
			h.Ack("a", "s2", 1, 5)
		},
		want: Report{Invoked: 1, Acked: 1, Lost: []string{"a"},
			LostAcks: []Op{{Kind: Ack, At: at(3), ID: "a", Shard: "s2", Queue: 1, Offset: 5}}},
	},
	{
		name: "deliveries are judged per consumer scope",
		script: func(h *History) {
			h.Invoke("a", "s1")
			h.Ack("a", "s1", 0, 1)
			h.Deliver("g", "a", "s1", 0, 1)
			h.Deliver("other", "a", "s1", 0, 1)
			h.Deliver("other", "a", "s1", 0, 1)
		},
		want: Report{Invoked: 1, Acked: 1, Delivered: 1},
		ok:   true,
	},
	{
		name: "held by a broker read but never received is undelivered, not lost",
		script: func(h *History) {
			h.Invoke("a", "s1")
			h.Ack("a", "s1", 0, 1)
			h.Invoke("b", "s1")
			h.Ack("b", "s1", 0, 2)
			h.Deliver("store", "a", "s1", 0, 1)
		},
		held: []string{"store"},
		want: Report{Invoked: 2, Acked: 2, Lost: []string{"b"}, Undelivered: []string{"a"},
			LostAcks: []Op{{Kind: Ack, At: at(3), ID: "b", Shard: "s1", Queue: 0, Offset: 2}}},
	},
	{
		name: "send without outcome that landed is recovered",
		script: func(h *History) {
			h.Invoke("a", "s1")
			h.Deliver("g", "a", "s1", 0, 1)
		},
		want: Report{Invoked: 1, Delivered: 1, Recovered: []string{"a"}},
		ok:   true,
	},
}

func TestCheck(t *testing.T) {
	for _, tt := range checkCases {
		t.Run(tt.name, func(t *testing.T) {
			h := scripted()
			tt.script(h)
			got := h.Check("g", tt.held...)
			if tt.want.Duplicated == nil {
				tt.want.Duplicated = map[string]int{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check = %#v\nwant    %#v", got, tt.want)
			}
			if got.OK() != tt.ok {
				t.Errorf("OK() = %v, want %v (%s)", got.OK(), tt.ok, got)
			}
		})
	}
}

func TestReportString(t *testing.T) {
	r := Report{Invoked: 500, Acked: 498, FailedSends: 2, Delivered: 498, Duplicated: map[string]int{}}
	want := "invoked 500, acked 498, failed 2, delivered 498: lost 0, undelivered 0, duplicated 0, unexpected 0, recovered 0"
	if got := r.String(); got != want {
		t.Errorf("String() = %q\nwant       %q", got, want)
	}

	r.Lost = []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7"}
	r.Duplicated = map[string]int{"d2": 3, "d1": 2}
	r.Unexpected = []string{"u1"}
	r.Recovered = []string{"r1"}
	r.Undelivered = []string{"n1"}
	got := r.String()
	for _, part := range []string{
		"lost 7, undelivered 1, duplicated 2, unexpected 1, recovered 1",
		"; undelivered: n1",
		"; lost: k1, k2, k3, k4, k5 (+2 more)",
		"; duplicated: d1 x2, d2 x3",
		"; unexpected: u1",
	} {
		if !strings.Contains(got, part) {
			t.Errorf("String() = %q, missing %q", got, part)
		}
	}
	if strings.Contains(got, "k6") || strings.Contains(got, "\n") {
		t.Errorf("String() = %q: want at most 5 ids per violation on one line", got)
	}
}

func TestAckedAndHighestAcked(t *testing.T) {
	h := scripted()
	h.Invoke("a", "s1")
	h.Ack("a", "s1", 0, 4)
	h.Invoke("b", "s1")
	h.Ack("b", "s1", 1, 2)
	h.Ack("b", "s1", 1, 3) // a second ack of the same id does not count twice
	h.Invoke("c", "s2")
	h.Ack("c", "s2", 0, 9)
	h.Invoke("d", "s1")
	h.Fail("d", "s1", errors.New("busy"))
	if got := h.HighestAcked("s1"); !reflect.DeepEqual(got, map[int]int64{0: 4, 1: 3}) {
		t.Errorf("HighestAcked(s1) = %v", got)
	}
	var ids []string
	for _, op := range h.Acked() {
		ids = append(ids, op.ID+"@"+op.Shard)
	}
	if strings.Join(ids, " ") != "a@s1 b@s1 c@s2" {
		t.Errorf("Acked = %v", ids)
	}
	if f := h.Failures(); len(f) != 1 || f[0].ID != "d" {
		t.Errorf("Failures = %+v", f)
	}
}

// An acknowledgement with a warning is an acknowledgement: the checker
// holds it to the promise (lost when never read), and Warned lists it.
func TestAckWarnedIsHeldAsAcked(t *testing.T) {
	h := New()
	h.Invoke("a", "broker-abc")
	h.AckWarned("a", "broker-abc", 0, 7, "FLUSH_DISK_TIMEOUT")
	r := h.Check("c")
	if r.Acked != 1 || r.FailedSends != 0 || len(r.Lost) != 1 {
		t.Errorf("report %s; want a (lost) acknowledged id", r)
	}
	if w := h.Warned(); len(w) != 1 || w[0].ID != "a" || w[0].Err != "FLUSH_DISK_TIMEOUT" || w[0].Offset != 7 {
		t.Errorf("Warned() = %+v", w)
	}
	if len(h.Failures()) != 0 {
		t.Errorf("a warned ack is listed as a failure")
	}
}
