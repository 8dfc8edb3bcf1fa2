package scenarios

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"

	"github.com/rmqkb/conformance/internal/clientlog"
	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of routing/namesrv-independence.
var (
	clauseEveryNamesrv   = verdict.Clause{ID: "whole-on-each", Text: "every namesrv holds every broker and the topic's route on its own"}
	clauseDownProduce    = verdict.Clause{ID: "down-produce", Text: "with a namesrv down, new clients given every address send to every shard"}
	clauseDownConsume    = verdict.Clause{ID: "down-consume", Text: "with a namesrv down, new clients receive every acknowledged message"}
	clauseSurvivorRoutes = verdict.Clause{ID: "survivors-unchanged", Text: "the surviving namesrvs' routes do not change while one is down"}
)

// namesrvIndependence is registered with the routing cases (routing.go).
var namesrvIndependenceCase = Case{Case: verdict.Case{
	Suite: "routing", Name: "namesrv-independence",
	Promise: "NameServers are independent: each holds the whole registration on its own (every broker of every shard at its address, a created topic routed to every shard); " +
		"with one namesrv killed and kept down, clients created afterwards and given every namesrv address, as the addon gives them, get routes, send to every shard with every send acknowledged and receive every acknowledged message through the others, " +
		"and the surviving namesrvs' routes do not change.",
	Description: "Brokers register with every namesrv in parallel and namesrvs never talk to each other (facts section 6); a client picks a namesrv and moves to the next when one fails. " +
		"The killed namesrv is kept down for the case (the local target withholds its recreation; a platform that recreates pods by itself cannot, and the case is skipped there), then released; " +
		"the case ends once every broker has registered with it again: to spare the next cases up to a registration period (30 s), it asks each broker to register at once (setting its brokerPermission to the value it has, on which a 4.9 broker registers with every namesrv, routes included).",
	Clauses:     []verdict.Clause{clauseBrokers, clauseEveryNamesrv, clauseDownProduce, clauseDownConsume, clauseSurvivorRoutes},
	Needs:       []verdict.Capability{verdict.Messaging, verdict.HoldDown},
	MinNamesrvs: 2,
	Timeout:     150 * time.Second,
}, Run: namesrvIndependence}

// registrationGrace bounds how far apart two namesrvs may see the same
// registration: a broker sends each round to every namesrv at once.
const registrationGrace = 5 * time.Second

const independenceQueues, independenceRounds = 2, 5

func namesrvIndependence(ctx context.Context, t *T) {
	holder := t.Target.Abilities().Holder
	shards := awaitShards(ctx, t)
	namesrvs := namesrvAddrs(ctx, t)
	topic := uniqueName("conformance-nsi")
	createTopic(ctx, t, topic, independenceQueues)
	before := wholeOnEach(ctx, t, namesrvs, shards, topic)

	const victim = 0
	if err := holder.HoldNamesrvDown(ctx, victim); err != nil {
		t.Erroredf("kill namesrv %s and keep it down: %v", namesrvs[victim], err)
	}
	defer releaseNamesrv(ctx, t, holder, victim, shards)
	t.Logf("namesrv %s killed and kept down; the others: %s", namesrvs[victim], strings.Join(namesrvs[1:], ", "))

	clientlog.Start()
	h := newHistory(t)
	since := time.Now()
	group := uniqueName("conformance-nsi")
	sendEverywhere(ctx, t, h, topic, shards, since)
	var got consumed
	c := pushConsumer(ctx, t, group)
	if err := c.Subscribe(topic, consumer.MessageSelector{}, got.recorder(h, group, "nsi")); err != nil {
		t.Erroredf("subscribe: %v", err)
	}
	if err := c.Start(); err != nil {
		t.Fatalf(clauseDownConsume, "with namesrv %s down, a consumer given every namesrv address did not start: %v", namesrvs[victim], err)
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	wait.Until(dctx, 100*time.Millisecond, "every acknowledged message delivered", func(context.Context) (bool, string, error) {
		r := h.Check(group)
		return len(r.Lost) == 0, r.Progress(), nil
	})
	jh, _ := replay(t, h, &got)
	j := &consumerJudge{t: t, h: jh, topic: topic, queues: independenceQueues, shards: shards, since: since,
		lost: clauseDownConsume, undelivered: clauseDownConsume, twice: clauseDownConsume}
	if rep := j.judge(ctx, group); !rep.OK() {
		t.Errorf(clauseDownConsume, "with namesrv %s down, a consumer given every namesrv address did not receive every acknowledged message", namesrvs[victim])
	}
	survivorsUnchanged(ctx, t, namesrvs[1:], topic, before)
}

// wholeOnEach checks that every namesrv lists every broker at its address
// and routes topic to every shard, and returns each one's route of topic.
func wholeOnEach(ctx context.Context, t *T, namesrvs []string, shards []target.Shard, topic string) map[string]string {
	rc := adminOf(t)
	routes := map[string]string{}
	for i, ns := range namesrvs {
		start := time.Now()
		wctx, cancel := context.WithTimeout(ctx, registrationGrace)
		err := wait.Until(wctx, 100*time.Millisecond, "namesrv "+ns+" to list every broker", func(ctx context.Context) (bool, string, error) {
			ci, err := clusterInfo(ctx, t, rc, ns)
			if err != nil {
				return false, wait.Reason(err), nil
			}
			why := registrationGap(ci, shards)
			return why == "", why, nil
		})
		cancel()
		// A broker registers with every namesrv in one round: one that
		// lacks it, while the others list it, is late by its own doing.
		if err != nil {
			judgeLate(t, clauseEveryNamesrv, history.Window{Start: start, End: time.Now()}, []string{namesrvProcess(t, i)}, "namesrv %s does not hold the whole registration on its own: %v", ns, err)
		}
		r, err := rc.TopicRoute(ctx, ns, topic)
		if err != nil {
			t.Fatalf(clauseEveryNamesrv, "namesrv %s: the route of %s: %v", ns, topic, err)
		}
		routes[ns] = routeKey(r)
	}
	return routes
}

// registrationGap says which brokers of shards ci does not list at their
// address, or "".
func registrationGap(ci *remoting.ClusterInfo, shards []target.Shard) string {
	var missing []string
	for _, b := range unlisted(ci, shards) {
		missing = append(missing, b.Pod+" ("+b.Addr+")")
	}
	if len(missing) == 0 {
		return ""
	}
	return "it does not list " + strings.Join(missing, ", ")
}

// unlisted returns the brokers of shards ci does not list at their
// address.
func unlisted(ci *remoting.ClusterInfo, shards []target.Shard) []target.Broker {
	var out []target.Broker
	for _, s := range shards {
		addrs := slices.Collect(maps.Values(ci.BrokerAddrTable[s.Name].BrokerAddrs))
		for _, b := range s.Brokers {
			if !slices.Contains(addrs, b.Addr) {
				out = append(out, b)
			}
		}
	}
	return out
}

// routeKey writes a route in a canonical form, for comparing two reads.
func routeKey(r *remoting.TopicRoute) string {
	var parts []string
	for _, q := range r.QueueDatas {
		parts = append(parts, fmt.Sprintf("queues %s r%d w%d perm %d", q.BrokerName, q.ReadQueueNums, q.WriteQueueNums, q.Perm))
	}
	for _, b := range r.BrokerDatas {
		parts = append(parts, fmt.Sprintf("broker %s of %s at %s", b.BrokerName, b.Cluster, formatAddrs(b.BrokerAddrs)))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// sendEverywhere sends independenceRounds messages to every queue of every
// shard with a producer created now, and fails the case at the first send
// not acknowledged.
func sendEverywhere(ctx context.Context, t *T, h *history.History, topic string, shards []target.Shard, since time.Time) {
	p := clientProducer(ctx, t)
	n := 0
	for round := 0; round < independenceRounds; round++ {
		for _, s := range shards {
			for q := 0; q < independenceQueues; q++ {
				key := fmt.Sprintf("%s-%d", topic, n)
				// One refused send breaks the promise; the rest would each
				// wait out a namesrv timeout to say the same.
				if _, err := load.Send(ctx, p, h, key, load.QueueMessage(topic, s.Name, q, key, []byte(key))); err != nil {
					judgeFailures(t, clauseDownProduce, h, h.Failures(), shards, fmt.Sprintf("with a namesrv down, from a producer given every namesrv address (the client's warnings and errors: %s)",
						strings.Join(clientlog.Since(since, 5), " | ")))
					runtime.Goexit()
				}
				n++
			}
		}
	}
	t.Logf("with a namesrv down, sent %d messages to %d shards x %d queues", n, len(shards), independenceQueues)
}

// survivorsUnchanged compares each surviving namesrv's route of topic with
// what it answered before the kill.
func survivorsUnchanged(ctx context.Context, t *T, survivors []string, topic string, before map[string]string) {
	rc := adminOf(t)
	for _, ns := range survivors {
		r, err := rc.TopicRoute(ctx, ns, topic)
		if err != nil {
			t.Errorf(clauseSurvivorRoutes, "surviving namesrv %s: the route of %s: %v", ns, topic, err)
			continue
		}
		if now := routeKey(r); now != before[ns] {
			t.Errorf(clauseSurvivorRoutes, "surviving namesrv %s changed its route of %s while another namesrv was down: it was %s, it is %s", ns, topic, before[ns], now)
		}
	}
}

// releaseNamesrv lets the held namesrv come back and waits until every
// broker has registered with it again, so that the next case finds the
// Cluster whole: its routes are empty until then.
func releaseNamesrv(ctx context.Context, t *T, holder target.NamesrvHolder, i int, shards []target.Shard) {
	if err := holder.ReleaseNamesrv(ctx, i); err != nil {
		t.NoteErroredf("release namesrv %d: %v", i, err)
		return
	}
	if err := t.Target.AwaitNamesrvBack(ctx, i); err != nil {
		t.NoteErroredf("namesrv %d did not come back after it was released: %v", i, err)
		return
	}
	all, err := t.Target.Namesrvs(ctx)
	if err != nil || i >= len(all) {
		t.NoteErroredf("find namesrv %d after its release: %v", i, err)
		return
	}
	ns, rc := all[i], adminOf(t)
	start := time.Now()
	asked := askToRegister(ctx, t, shards)
	// Two periods, for a broker that was not asked: this restores the
	// Cluster for the next case; the bound on registering by itself is
	// failover/namesrv-restart's to judge.
	wctx, cancel := context.WithTimeout(ctx, 2*addonRegisterPeriod)
	defer cancel()
	err = wait.Until(wctx, 200*time.Millisecond, "every broker to register again with namesrv "+ns, func(ctx context.Context) (bool, string, error) {
		ci, err := rc.ClusterInfo(ctx, ns)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		why := registrationGap(ci, shards)
		return why == "", why, nil
	})
	if err != nil {
		t.NoteErroredf("after the case, namesrv %s came back but the brokers did not register with it again: %v", ns, err)
		return
	}
	took := time.Since(start)
	if !asked {
		t.Waited("reregistered_after_release", took, timerRegistration)
	} else {
		t.Figure("reregistered_after_release", float64(took.Milliseconds()), "ms")
	}
	t.Logf("namesrv %s released; every broker registered with it again after %s", ns, took.Round(time.Millisecond))
}

// askToRegister asks every broker of shards to register with every
// namesrv now, rather than at its next period: a 4.9 broker does when its
// brokerPermission is set, here to the value it has
// (remoting.Client.UpdateBrokerConfig). It restores a released namesrv
// for the cases after this one, and judges nothing. It says whether
// every broker took the request; one that did not registers at its next
// period.
func askToRegister(ctx context.Context, t *T, shards []target.Shard) bool {
	rc, all := adminOf(t), true
	for _, s := range shards {
		for _, b := range s.Brokers {
			cfg, err := rc.BrokerConfig(ctx, b.Addr)
			if err == nil {
				err = rc.UpdateBrokerConfig(ctx, b.Addr, map[string]string{"brokerPermission": cfg["brokerPermission"]})
			}
			if err != nil {
				t.Logf("could not ask %s to register at once (%v): it registers at its next period", b.Pod, err)
				all = false
			}
		}
	}
	return all
}
