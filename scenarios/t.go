package scenarios

import (
	"sync"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/starvation"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// T is what a case holds: the verdict it reports through (verdict.T: log,
// figure, a failed clause, skip, cleanup, context) and the target it
// judges. Everything else a case does is a function that takes it. The
// fields below the target are the case's share of the session: the faults
// a test planted, its admin client, the histories it sent through and
// what the machine withheld from the processes it judges.
type T struct {
	*verdict.T
	Target target.Target

	rec     *verdict.Record
	session *Session
	id      string           // the case's ID
	clauses []verdict.Clause // the case's clauses
	plants  plants           // the faults a test planted at the suite's edge; zero in a real run
	starve  *starvation.Watch
	// watches are the starvation watches of the shared runs the case
	// judges: a window of theirs is judged against them.
	watches []*starvation.Watch

	mu    sync.Mutex
	rc    *remoting.Client
	sends []*history.History // every history the case sent through, for its warnings
}

// progressf says, on the session's progress (if any), what a long wait is
// waiting for; it goes into no report.
func (t *T) progressf(format string, args ...any) {
	if t.session != nil && t.session.say != nil {
		t.session.say(format, args...)
	}
}
