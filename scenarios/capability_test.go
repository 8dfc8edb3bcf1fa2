package scenarios

import (
	"strings"
	"testing"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// TestAbilitiesSayWhyNot holds the one way a target says "cannot": a
// declared reason, or, for a capability with means, no means at all,
// which is a defect said as such, never a pass.
func TestAbilitiesSayWhyNot(t *testing.T) {
	a := target.Abilities{Cannot: map[verdict.Capability]string{verdict.HoldDown: "pods come back at once"}, Freezer: stubFreezer{}}
	for _, tc := range []struct {
		c    verdict.Capability
		says string
	}{
		{verdict.HoldDown, "pods come back at once"},
		{verdict.Freezing, ""},
		{verdict.Messaging, ""},
		{verdict.Management, "suite defect"},
	} {
		got := a.Lacks(tc.c)
		if tc.says == "" && got != "" || !strings.Contains(got, tc.says) {
			t.Errorf("Lacks(%s) = %q, want %q", tc.c, got, tc.says)
		}
	}
}

type stubFreezer struct{ target.Freezer }
