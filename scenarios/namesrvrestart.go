package scenarios

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/topic"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of failover/namesrv-restart.
var (
	nrPeriod     = verdict.Clause{ID: "period", Text: "every broker runs with registerNameServerPeriod 30000"}
	nrReregister = verdict.Clause{ID: "reregister", Text: "every broker registers again, routes included, within one period"}
	nrCached     = verdict.Clause{ID: "cached-writes", Text: "writes go on from cached routes while it is down, no send failing"}
	nrOutside    = verdict.Clause{ID: "no-failed-send", Text: "no send fails outside the restart window (before the kill, or later than one route refresh after every broker registered again)"}
)

// namesrvRestartCase is failover/namesrv-restart; failover.go registers it
// in the suite's order.
var namesrvRestartCase = Case{Case: verdict.Case{
	Suite: "failover", Name: "namesrv-restart",
	Promise: "Every broker runs with registerNameServerPeriod 30000 (RocketMQ's default, which the addon keeps); a namesrv that is killed comes back, and every broker registers with it again, routes included, within one registration period (30 s, plus 5 s); " +
		"writes go on from cached routes while it is down, with no send failing, no send fails outside the restart, and no acknowledged message is lost or read back twice.",
	Description: "The namesrv keeps no state: after a restart its routes are empty until each broker's next periodic registration, so the case waits up to that protocol period, reports how long it took, and compares it with the period. " +
		"Once it is back and before every broker has registered again, a client that refreshes its routes (rocketmq-client-go does every 30 s) gets a partial route and drops the addresses of the brokers missing from it, so sends to their shards fail until its next refresh: " +
		"that is RocketMQ's protocol, not a fault of the addon, so such failures are counted (failed_while_reregistering), not judged. " +
		"Run with failover/kill-slave (as the suite runs), the namesrv is killed once the killed slave is back and registered, while that run's catch-up and read-back go on; every broker, that slave included, must register again within the period.",
	Clauses:     []verdict.Clause{clauseBrokers, nrPeriod, nrReregister, nrCached, nrOutside, clauseNotLost, clauseNotTwice},
	Needs:       []verdict.Capability{verdict.Messaging, verdict.Faults},
	Timeout:     150 * time.Second,
	Recreations: 1,
}, Run: namesrvRestart, Shares: killOfANamesrv}

// namesrvKill is the record of one namesrv kill under load;
// failover/namesrv-restart judges it.
type namesrvKill struct {
	f              *faultRun
	periods        []brokerPeriod
	ns             string // the namesrv as it came back
	killAt, backAt time.Time
	reregAt        time.Time // every broker registered again, routes included
	reregErr       error
	late           []target.Broker // the brokers it did not list when the wait ended
}

// brokerPeriod is a broker's config, as it served it, from which its
// registerNameServerPeriod is read.
type brokerPeriod struct {
	b   target.Broker
	cfg map[string]string
}

// period is the registration period p's config names, as case t judges it.
func (p brokerPeriod) period(t *T) (time.Duration, error) {
	v := judgedConfig(t, p.b.Addr, p.cfg)["registerNameServerPeriod"]
	ms, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s reports registerNameServerPeriod=%q: %w", p.b.Pod, v, err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

func namesrvRestart(ctx context.Context, t *T) {
	k := killOfANamesrv.of(ctx, t)
	h := k.f.judged(t)
	judgePeriods(t, k.periods)
	t.Figure("namesrv_down", float64(k.backAt.Sub(k.killAt).Milliseconds()), "ms")
	k.f.keptWriting(t, nrCached, h, history.Window{Start: k.killAt, End: k.backAt}, "")
	rereg := history.Window{Start: k.backAt, End: k.reregAt}
	took := k.reregAt.Sub(k.backAt)
	// A registration still missing at the deadline is its broker's doing,
	// unless the namesrv was starved; it was able to work if it listed any
	// broker in time. One that came, but late, may be any broker's.
	all := brokerProcesses(k.f.shards)
	procs := pods(k.late)
	if k.reregErr == nil || len(k.late) == 0 {
		procs = all
	}
	if len(procs) == len(all) {
		procs = append(procs, namesrvProcesses(t)...)
	}
	switch {
	case k.reregErr != nil:
		judgeLate(t, nrReregister, rereg, procs, "%v", k.reregErr)
	case took > addonRegisterPeriod+boundSlack:
		judgeLate(t, nrReregister, rereg, procs, "every broker registered again with namesrv %s only %s after it came back: more than one registration period (%s) plus %s",
			k.ns, took.Round(time.Millisecond), addonRegisterPeriod, boundSlack)
	}
	if k.reregErr == nil {
		t.Waited("reregistered_after", took, timerRegistration)
		t.Logf("every broker registered again, routes included, %s after the namesrv came back", took.Round(time.Millisecond))
	}
	t.Figure("failed_while_reregistering", float64(countIn(h.Failures(), rereg)), "")
	// A client that asked the namesrv for a route before every broker
	// registered again holds the partial route until its next refresh.
	restart := map[string]history.Window{}
	for _, s := range k.f.shards {
		restart[s.Name] = history.Window{Start: k.killAt, End: k.reregAt.Add(routeRefresh + boundSlack)}
	}
	k.f.failedOutside(t, nrOutside, h, restart, "the restart window (from the kill until one route refresh after every broker registered again)")
	k.f.judgeFinal(t, h)
}

// runKillNamesrv kills namesrv 0 under load and records its return and
// every broker's registration with it again.
func runKillNamesrv(ctx context.Context, t *T) *namesrvKill {
	f := startFaultRun(ctx, t, "conformance-namesrv")
	k := &namesrvKill{f: f, periods: registrationPeriods(ctx, t, f.shards)}
	period := addonRegisterPeriod
	for _, p := range k.periods {
		if d, err := p.period(t); err == nil {
			period = max(period, d)
		}
	}
	f.h.FaultStart("kill namesrv 0")
	k.killAt = time.Now()
	if err := t.Target.KillNamesrv(ctx, killedNamesrv); err != nil {
		t.Erroredf("kill namesrv 0: %v", err)
	}
	if err := t.Target.AwaitNamesrvBack(ctx, killedNamesrv); err != nil {
		t.Fatalf(nrReregister, "namesrv 0 did not come back: %v", err)
	}
	k.backAt = time.Now()
	k.ns = namesrvAddrs(ctx, t)[killedNamesrv] // fresh: a recreated namesrv pod has a new address
	// Wait past the bound so that a slow re-registration is measured, not
	// only cut off.
	wctx, cancel := context.WithTimeout(ctx, period+boundSlack+10*time.Second)
	defer cancel()
	k.reregErr = awaitReregistered(wctx, t, k.ns, f)
	k.reregAt = time.Now()
	if k.reregErr != nil {
		if ci, err := adminOf(t).ClusterInfo(ctx, k.ns); err == nil {
			k.late = unlisted(ci, f.shards)
		}
	}
	f.h.FaultEnd("kill namesrv 0")
	f.stop(ctx, t)
	return k
}

// awaitReregistered waits until namesrv ns lists every broker of f and
// routes its topic to every shard.
func awaitReregistered(ctx context.Context, t *T, ns string, f *faultRun) error {
	rc := adminOf(t)
	return wait.Until(ctx, 100*time.Millisecond, "every broker to register again with namesrv "+ns, func(ctx context.Context) (bool, string, error) {
		ci, err := rc.ClusterInfo(ctx, ns)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		if why := registrationGap(ci, f.shards); why != "" {
			return false, why, nil
		}
		r, err := rc.TopicRoute(ctx, ns, f.topic)
		if err != nil {
			return false, "route of " + f.topic + ": " + err.Error(), nil
		}
		if why := topic.RouteMismatch(r, f.shards, faultQueues); why != "" {
			return false, "route of " + f.topic + ": " + why, nil
		}
		return true, "", nil
	})
}

// registrationPeriods reads every broker's config, as it serves it.
func registrationPeriods(ctx context.Context, t *T, shards []target.Shard) []brokerPeriod {
	var out []brokerPeriod
	for _, s := range shards {
		for _, b := range s.Brokers {
			cfg, err := adminOf(t).BrokerConfig(ctx, b.Addr)
			if err != nil {
				t.Erroredf("not judged: read the config of %s: %v", b.Pod, err)
			}
			out = append(out, brokerPeriod{b, cfg})
		}
	}
	return out
}

// judgePeriods fails nrPeriod for every broker that does not run with
// the addon's registration period.
func judgePeriods(t *T, periods []brokerPeriod) {
	var seen []string
	for _, p := range periods {
		d, err := p.period(t)
		if err != nil {
			t.Errorf(nrPeriod, "%v", err)
			continue
		}
		seen = append(seen, fmt.Sprintf("%s %s", p.b.Pod, d))
		if d != addonRegisterPeriod {
			t.Errorf(nrPeriod, "%s runs with registerNameServerPeriod=%d; the addon keeps RocketMQ's %d", p.b.Pod, d.Milliseconds(), addonRegisterPeriod.Milliseconds())
		}
	}
	t.Logf("registration periods: %s", strings.Join(seen, ", "))
}

// killOfANamesrv is the kill of a namesrv, shared by the cases that judge it.
// It may start beside the kill of a slave, once that slave is back: its
// wait for the brokers' next registration then covers the slave run's
// catch-up and read-back.
var killOfANamesrv = sharedFault[*namesrvKill]{name: "kill of a namesrv", perform: runKillNamesrv, beside: &besideOf{host: slaveKillName, restarts: killedNamesrv}}

// killedNamesrv is the namesrv the kill of a namesrv kills, by index: the
// run beside which it starts keeps its clients off it.
const killedNamesrv = 0
