package scenarios

import (
	"context"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// TestAbilitiesSayWhyNot holds the one way a target says "cannot": a
// declared reason; a capability with means declares them; one with
// neither is undeclared, a defect, never a skip or a pass.
func TestAbilitiesSayWhyNot(t *testing.T) {
	a := target.Abilities{Cannot: map[verdict.Capability]string{verdict.HoldDown: "pods come back at once"}, Freezer: stubFreezer{}}
	for _, tc := range []struct {
		c          verdict.Capability
		says       string
		undeclared bool
	}{
		{verdict.HoldDown, "pods come back at once", false},
		{verdict.Freezing, "", false},
		{verdict.Messaging, "", false},
		{verdict.Management, "", true},
	} {
		if got := a.Lacks(tc.c); got != tc.says {
			t.Errorf("Lacks(%s) = %q, want %q", tc.c, got, tc.says)
		}
		if got := a.Undeclared(tc.c); got != tc.undeclared {
			t.Errorf("Undeclared(%s) = %v, want %v", tc.c, got, tc.undeclared)
		}
	}
}

// TestUndeclaredCapabilityErrors: a case that needs what its target
// neither provides nor declares lacking is errored as a suite defect.
func TestUndeclaredCapabilityErrors(t *testing.T) {
	c := Case{Case: verdict.Case{Suite: "test", Name: "case", Promise: "p", Clauses: []verdict.Clause{{ID: "a", Text: "a"}},
		Needs: []verdict.Capability{verdict.Freezing}}, Run: func(context.Context, *T) {}}
	r := NewSession(stubTarget{}).Run(context.Background(), c)
	if r.Status != verdict.Errored || !strings.Contains(r.Observed, "suite defect") {
		t.Errorf("got %s %q, want errored as a suite defect", r.Status, r.Observed)
	}
}

type stubFreezer struct{ target.Freezer }
