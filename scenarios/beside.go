package scenarios

import (
	"context"
	"slices"
	"time"

	"github.com/rmqkb/conformance/verdict"
)

// besideOf says that a shared fault may start during another (its host),
// at the point the host cues (Session.cue): a suite's setup then performs
// the two overlapping instead of one after the other. It is for a guest
// that restarts a namesrv and spends most of its time waiting on the
// brokers' periodic registration, and a host whose fault is over by the
// cue but which still has a tail to run (the kill of a slave, once the
// slave is back: its catch-up and read-back). The host's clients keep off
// the namesrv the guest restarts from the start (a restarted namesrv
// routes only what registered with it again: a client that refreshed its
// route there would fail sends the host's cases judge).
type besideOf struct {
	host string
	// restarts is the namesrv (by index) the guest kills and the host's
	// clients keep off.
	restarts int
}

// cue starts the guest waiting for host, if a suite's setup has one
// ready, and returns its name ("" when none started).
func (s *Session) cue(host string) string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	start, ok := s.guests[host]
	delete(s.guests, host)
	s.mu.Unlock()
	if !ok {
		return ""
	}
	return start()
}

// pairUp orders the runs a suite's setup performs one at a time: each
// guest whose host is among them goes with it, the pair at the place of
// whichever of the two comes first; the rest keep their order. Nothing
// pairs in DLedger mode (there the target finds the leaders through the
// first namesrv, which the guest restarts) or with a single namesrv (the
// host's clients would have none to keep to).
func (s *Session) pairUp(runs []shared) []setupRun {
	topo := s.tgt.Topology()
	pairs := topo.Namesrvs > 1 && !topo.Mode.DLedger
	var out []setupRun
	taken := map[string]bool{}
	for _, w := range runs {
		if taken[w.sharedName()] {
			continue
		}
		taken[w.sharedName()] = true
		r := setupRun{run: w}
		if pairs {
			if g := guestOf(w, runs); g != nil {
				r.guest = g
			} else if h := hostOf(w, runs); h != nil {
				r = setupRun{run: h, guest: w}
			}
			if r.guest != nil {
				taken[r.run.sharedName()], taken[r.guest.sharedName()] = true, true
			}
		}
		out = append(out, r)
	}
	return out
}

// setupRun is a run a suite's setup performs, with the guest that may
// start during it.
type setupRun struct {
	run, guest shared
}

// guestOf is the run of runs that may start during h, or nil.
func guestOf(h shared, runs []shared) shared {
	i := slices.IndexFunc(runs, func(g shared) bool { return g.besides() != nil && g.besides().host == h.sharedName() })
	if i < 0 {
		return nil
	}
	return runs[i]
}

// hostOf is the run of runs g may start during, or nil.
func hostOf(g shared, runs []shared) shared {
	if g.besides() == nil {
		return nil
	}
	i := slices.IndexFunc(runs, func(h shared) bool { return h.sharedName() == g.besides().host })
	if i < 0 {
		return nil
	}
	return runs[i]
}

// prepareBeside performs host, its clients off the namesrv guest
// restarts, with guest ready to start at host's cue, and waits for both.
// Overlapping, they are one step of the suite's setup, as long as the two
// took together; a guest the host never cued is performed after it, as a
// step of its own.
func (s *Session) prepareBeside(ctx context.Context, host, guest shared, cases []Case, say func(format string, args ...any)) []verdict.Step {
	start := time.Now()
	done := make(chan struct{})
	s.mu.Lock()
	s.guests[host.sharedName()] = func() string {
		say("starting the %s beside the %s", guest.sharedName(), host.sharedName())
		go func() {
			defer close(done)
			s.prepareOne(ctx, guest, cases, "beside the "+host.sharedName()+", "+inSetup, say)
		}()
		return guest.sharedName()
	}
	s.mu.Unlock()
	hostStep := s.prepareOne(avoidingNamesrv(ctx, guest.besides().restarts), host, cases, inSetup, say)
	s.mu.Lock()
	_, uncued := s.guests[host.sharedName()]
	delete(s.guests, host.sharedName())
	s.mu.Unlock()
	if uncued {
		return []verdict.Step{hostStep, s.prepareOne(ctx, guest, cases, inSetup, say)}
	}
	<-done
	return []verdict.Step{{Suite: hostStep.Suite, Name: "setup: " + host.sharedName() + " and " + guest.sharedName() + " (overlapping)", Duration: time.Since(start)}}
}

// avoidKey keys the namesrv a run's clients keep off.
type avoidKey struct{}

// avoidingNamesrv is ctx telling namesrvAddrs to leave out namesrv i (by
// index, so that a namesrv recreated at a new address is still left out).
func avoidingNamesrv(ctx context.Context, i int) context.Context {
	return context.WithValue(ctx, avoidKey{}, i)
}

// avoided is the namesrv index ctx says to leave out, or -1.
func avoided(ctx context.Context) int {
	if i, ok := ctx.Value(avoidKey{}).(int); ok {
		return i
	}
	return -1
}
