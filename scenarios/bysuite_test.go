package scenarios

import (
	"fmt"
	"testing"

	"github.com/rmqkb/conformance/verdict"
)

// TestBySuite: cases split where the suite changes, in their order; a
// suite that comes back later is a group of its own (the registry never
// orders them so, but a selection is the caller's).
func TestBySuite(t *testing.T) {
	var cases []Case
	for _, s := range []string{"a", "a", "b", "a"} {
		cases = append(cases, Case{Case: verdict.Case{Suite: s, Name: fmt.Sprint(len(cases))}})
	}
	var got []string
	for _, g := range BySuite(cases) {
		var ids []string
		for _, c := range g {
			ids = append(ids, c.ID())
		}
		got = append(got, fmt.Sprint(ids))
	}
	if fmt.Sprint(got) != "[[a/0 a/1] [b/2] [a/3]]" {
		t.Errorf("groups %v", got)
	}
	if BySuite(nil) != nil {
		t.Error("no cases, yet groups")
	}
}
