package scenarios

import (
	"context"
	"slices"
	"time"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// besideOf says that a shared fault may start during another (its host),
// at the point the host cues (Session.cue): a suite's setup then performs
// the two overlapping instead of one after the other. It is for a host
// that spends most of its time waiting on a protocol timer the guest does
// not touch (the namesrv kill waits up to a registration period for the
// brokers' next registration), so the guest's fault fills that wait.
type besideOf struct {
	host string
	// touches is what the guest kills of shards: the host leaves those
	// out of what it judges while the guest runs, and the guest's own
	// cases judge them.
	touches func(shards []target.Shard) []target.Broker
}

// guestRun is a guest a suite's setup has ready for its host's cue.
type guestRun struct {
	name    string
	touches func(shards []target.Shard) []target.Broker
	start   func(avoid []string)
}

// cued is what a host learns when its cue starts a guest: the guest's
// name and the brokers it leaves out of its own judgement.
type cued struct {
	guest string
	left  []target.Broker
}

// cue starts the guest waiting for host, if a suite's setup has one
// ready, with the namesrvs avoid (the host's restarted namesrv) kept out
// of the guest's clients. It returns what the host must leave out, or
// nothing when no guest started. A guest that would leave the host no
// broker to judge is not started: it then runs after the host.
func (s *Session) cue(host string, shards []target.Shard, avoid []string) cued {
	if s == nil {
		return cued{}
	}
	s.mu.Lock()
	g, ok := s.guests[host]
	var left []target.Broker
	if ok {
		left = g.touches(shards)
		if len(left) == 0 || len(left) >= brokerCount(shards) {
			ok = false
		} else {
			delete(s.guests, host)
		}
	}
	s.mu.Unlock()
	if !ok {
		return cued{}
	}
	g.start(avoid)
	return cued{guest: g.name, left: left}
}

// brokerCount counts the brokers of shards.
func brokerCount(shards []target.Shard) int {
	n := 0
	for _, s := range shards {
		n += len(s.Brokers)
	}
	return n
}

// leaveOut is shards without the brokers left (matched by pod).
func leaveOut(shards []target.Shard, left []target.Broker) []target.Shard {
	out := make([]target.Shard, 0, len(shards))
	for _, s := range shards {
		s.Brokers = slices.DeleteFunc(slices.Clone(s.Brokers), func(b target.Broker) bool {
			return slices.ContainsFunc(left, func(l target.Broker) bool { return l.Pod == b.Pod })
		})
		out = append(out, s)
	}
	return out
}

// pairUp takes out of runs, which a suite's setup performs one at a time,
// each guest whose host is among them, and returns the rest with the
// guest of each host. In DLedger mode nothing pairs: there the target
// finds the leaders through the first namesrv, the one the namesrv kill
// restarts, so a guest would wait on the host's wait.
func (s *Session) pairUp(runs []shared) ([]shared, map[string]shared) {
	if s.tgt.Topology().Mode.DLedger {
		return runs, nil
	}
	guests := map[string]shared{}
	var rest []shared
	for _, w := range runs {
		b := w.besides()
		if b != nil && slices.ContainsFunc(runs, func(h shared) bool { return h.sharedName() == b.host }) {
			guests[b.host] = w
			continue
		}
		rest = append(rest, w)
	}
	return rest, guests
}

// prepareBeside performs host, with guest ready to start at host's cue,
// and waits for both. Overlapping, they are one step of the suite's
// setup, as long as the two took together; a guest the host never cued
// is performed after it, as its own step.
func (s *Session) prepareBeside(ctx context.Context, host, guest shared, cases []Case, say func(format string, args ...any)) []verdict.Step {
	start := time.Now()
	done := make(chan struct{})
	s.mu.Lock()
	s.guests[host.sharedName()] = &guestRun{name: guest.sharedName(), touches: guest.besides().touches, start: func(avoid []string) {
		say("starting the %s beside the %s", guest.sharedName(), host.sharedName())
		go func() {
			defer close(done)
			s.prepareOne(avoidingNamesrvs(ctx, avoid), guest, cases, "beside the "+host.sharedName()+", in the setup of suite", say)
		}()
	}}
	s.mu.Unlock()
	hostStep := s.prepareOne(ctx, host, cases, "in the setup of suite", say)
	s.mu.Lock()
	_, uncued := s.guests[host.sharedName()]
	delete(s.guests, host.sharedName())
	s.mu.Unlock()
	if uncued {
		return []verdict.Step{hostStep, s.prepareOne(ctx, guest, cases, "in the setup of suite", say)}
	}
	<-done
	return []verdict.Step{{Suite: hostStep.Suite, Name: "setup: " + host.sharedName() + " and " + guest.sharedName() + " (overlapping)", Duration: time.Since(start)}}
}

// avoidKey keys the namesrvs a run's clients must not ask.
type avoidKey struct{}

// avoidingNamesrvs is ctx telling namesrvAddrs to leave out addrs: a
// guest started beside a namesrv restart keeps its clients and route
// checks off the restarted namesrv, which lists only the brokers that
// registered again so far (a client that read its partial route would
// fail sends the guest's cases judge).
func avoidingNamesrvs(ctx context.Context, addrs []string) context.Context {
	return context.WithValue(ctx, avoidKey{}, addrs)
}

// avoided is the namesrvs ctx says to leave out.
func avoided(ctx context.Context) []string {
	a, _ := ctx.Value(avoidKey{}).([]string)
	return a
}

// idsJudging names the registered cases that judge the shared run name.
func idsJudging(name string) string {
	var judges []Case
	for _, c := range registry {
		if c.Shares != nil && c.Shares.sharedName() == name {
			judges = append(judges, c)
		}
	}
	return idsOf(judges)
}
