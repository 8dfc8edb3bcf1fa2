package scenarios

import (
	"strings"
	"testing"

	"github.com/rmqkb/conformance/target"
)

// TestAbilitiesSayWhyNot holds the one way a target says "cannot": a
// declared reason, or, for a capability with means, no means at all,
// which is a defect said as such, never a pass.
func TestAbilitiesSayWhyNot(t *testing.T) {
	a := target.Abilities{Cannot: map[target.Capability]string{target.HoldDown: "pods come back at once"}, Freezer: stubFreezer{}}
	for _, tc := range []struct {
		c    target.Capability
		says string
	}{
		{target.HoldDown, "pods come back at once"},
		{target.Freezing, ""},
		{target.Messaging, ""},
		{target.Management, "suite defect"},
	} {
		got := a.Lacks(tc.c)
		if tc.says == "" && got != "" || !strings.Contains(got, tc.says) {
			t.Errorf("Lacks(%s) = %q, want %q", tc.c, got, tc.says)
		}
	}
}

type stubFreezer struct{ target.Freezer }
