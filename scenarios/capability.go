package scenarios

import (
	"errors"

	"github.com/rmqkb/conformance/target"
)

// endOn ends the case on err from doing what: skipped when the target
// cannot do it here (a *Cannot), errored otherwise; nothing when err is
// nil.
func endOn(t *T, what string, err error) {
	var cannot *target.Cannot
	switch {
	case errors.As(err, &cannot):
		t.Skipf("target %q cannot %s: %s", t.Target.Name(), cannot.Capability.Doing(), cannot.Why)
	case err != nil:
		t.Erroredf("%s: %v", what, err)
	}
}
