package scenarios

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/scenarios/replica"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// RocketMQ 4.9's namesrv timings (facts section 6): a broker registers
// every 30 s; the namesrv drops one whose last registration is older than
// BROKER_CHANNEL_EXPIRED_TIME (120 s), looking every 10 s. A broker frozen
// right after registering is dropped 120 to 130 s later, one frozen just
// before its next registration 90 to 100 s later: it must still be listed
// at 60 s, and gone by 120 + 10 + 5 s of slack = 135 s.
const (
	brokerExpiry  = 120 * time.Second
	expiryScan    = 10 * time.Second
	stillListedAt = 60 * time.Second
	expiryBound   = brokerExpiry + expiryScan + boundSlack
)

// The clauses of routing/stale-broker-expiry.
var (
	clauseStillListed = verdict.Clause{ID: "still-listed", Text: "a frozen broker stays listed while its last registration is younger than 120 s"}
	clauseExpired     = verdict.Clause{ID: "expired", Text: "a frozen broker is removed from every namesrv's cluster and routes by the expiry bound"}
	clauseRejoins     = verdict.Clause{ID: "rejoins", Text: "after a thaw it registers again within one period, with its identity and its data"}
)

// staleBrokerExpiryCase is registered with the routing cases (routing.go).
var staleBrokerExpiryCase = Case{Case: verdict.Case{
	Suite: "routing", Name: "stale-broker-expiry",
	Promise: "The NameServer removes a broker that stopped heart-beating: a frozen broker stays listed in every namesrv while its last registration is younger than 120 s (checked for 60 s after the freeze), " +
		"is removed from every namesrv's cluster and from the routes of its topics by 135 s after the freeze, and after a thaw registers again within one registration period (30 s, plus 5 s) at the same brokerId and address, with its role and its data; where a platform labels roles, the shard's labels settle again to one master, the broker registered at brokerId 0.",
	Description: "A frozen broker (SIGSTOP locally: a stalled JVM or a hung node) keeps its connections open, so the namesrv cannot see it go: only the 120 s expiry, scanned every 10 s, removes it (RouteInfoManager.BROKER_CHANNEL_EXPIRED_TIME in 4.9, not configurable). " +
		"Its last registration was at most one period (30 s) before the freeze, so removal falls between 90 and 130 s after it: the bound is 120 s + 10 s + 5 s of slack. The victim is a slave where the shards have one, so the Cluster keeps taking writes. Slow: about 3 minutes.",
	Clauses: []verdict.Clause{clauseBrokers, clauseStillListed, clauseExpired, clauseRejoins, clauseLabelsSettle},
	Needs:   []verdict.Capability{verdict.Messaging, verdict.Freezing},
	Slow:    true,
	Timeout: 5 * time.Minute,
}, Run: staleBrokerExpiry}

func staleBrokerExpiry(ctx context.Context, t *T) {
	fr := t.Target.Abilities().Freezer
	shards := awaitShards(ctx, t)
	last := shards[len(shards)-1]
	victim := last.Brokers[len(last.Brokers)-1]
	if len(last.Brokers) > 1 && victim.Addr == last.Master().Addr {
		victim = last.Slaves()[0]
	}
	topic := uniqueName("conformance-expiry")
	createTopic(ctx, t, topic, 1)
	held, identity := beforeFreeze(ctx, t, last, victim, topic)

	endOn(t, "freeze "+victim.Pod, fr.FreezeBroker(ctx, victim))
	frozenAt := time.Now()
	thawed := false
	defer func() {
		if !thawed {
			fr.ThawBroker(context.WithoutCancel(ctx), victim)
		}
	}()
	t.Logf("froze %s at %s", victim.Pod, frozenAt.Format("15:04:05.000"))
	stillListed(ctx, t, victim, topic, frozenAt)
	expired(ctx, t, victim, topic, frozenAt)

	if err := fr.ThawBroker(ctx, victim); err != nil {
		t.Erroredf("thaw %s: %v", victim.Pod, err)
	}
	thawed = true
	rejoined(ctx, t, victim, topic, time.Now(), held, identity)
	labelsSettled(ctx, t, clauseLabelsSettle, victim.Shard, "the thaw")
}

// beforeFreeze writes to the victim's shard and returns what the victim
// holds of it once it holds all of it (its commit log max offset), and its
// identity as its config states it.
func beforeFreeze(ctx context.Context, t *T, s target.Shard, victim target.Broker, topic string) (int64, map[string]string) {
	p := clientProducer(ctx, t)
	h := newHistory(t)
	for i := 0; i < 10; i++ {
		key := fmt.Sprintf("%s-%d", topic, i)
		if _, err := load.Send(ctx, p, h, key, load.QueueMessage(topic, s.Name, 0, key, []byte(key))); err != nil {
			t.Erroredf("not judged: send %s to %s before the freeze: %v", key, s.Name, err)
		}
	}
	want, err := replica.CommitLogMax(ctx, adminOf(t), s.Master())
	if err != nil {
		t.Erroredf("not judged: %v", err)
	}
	var held int64
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := wait.Until(wctx, 50*time.Millisecond, victim.Pod+" to hold its shard's writes", func(ctx context.Context) (bool, string, error) {
		held, err = replica.CommitLogMax(ctx, adminOf(t), victim)
		return err == nil && held >= want, fmt.Sprintf("at %d of %d (%v)", held, want, err), nil
	}); err != nil {
		t.Erroredf("not judged: before the freeze: %v", err)
	}
	cfg, err := brokerConfigOf(ctx, t, adminOf(t), victim.Addr)
	if err != nil {
		t.Erroredf("not judged: read the config of %s: %v", victim.Pod, err)
	}
	return held, cfg
}

// stillListed watches, for stillListedAt after the freeze, that every
// namesrv keeps listing the frozen broker: an observation over a window,
// sampled every second.
func stillListed(ctx context.Context, t *T, b target.Broker, topic string, frozenAt time.Time) {
	v := plantedNamesrvs(ctx, t)
	n := len(v.Addrs)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for time.Since(frozenAt) < stillListedAt {
		l, err := v.Listed(ctx, b, topic)
		if err == nil && len(l.InCluster) < n {
			t.Fatalf(clauseStillListed, "frozen %s was removed from the namesrvs (%d of %d still list it) %s after the freeze; a namesrv keeps a broker %s after its last registration, which was at most %s before the freeze",
				b.Pod, len(l.InCluster), n, time.Since(frozenAt).Round(time.Second), brokerExpiry, addonRegisterPeriod)
		}
		select {
		case <-ctx.Done():
			t.Erroredf("interrupted while watching frozen %s stay listed: %v", b.Pod, ctx.Err())
		case <-tick.C:
		}
	}
	t.Logf("every namesrv still listed frozen %s %s after the freeze", b.Pod, stillListedAt)
}

// expired waits until no namesrv lists the frozen broker, in its cluster
// table or in the route of topic, and compares the time with expiryBound.
// It waits past the bound so that a late removal is measured.
func expired(ctx context.Context, t *T, b target.Broker, topic string, frozenAt time.Time) {
	v := plantedNamesrvs(ctx, t)
	wctx, cancel := context.WithDeadline(ctx, frozenAt.Add(expiryBound+15*time.Second))
	defer cancel()
	err := wait.Until(wctx, 500*time.Millisecond, "every namesrv to drop frozen "+b.Pod, func(ctx context.Context) (bool, string, error) {
		l, err := v.Listed(ctx, b, topic)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		return len(l.InCluster)+len(l.InRoute) == 0, fmt.Sprintf("listed by %s; routed by %s", strings.Join(l.InCluster, ", "), strings.Join(l.InRoute, ", ")), nil
	})
	took := time.Since(frozenAt)
	w := history.Window{Start: frozenAt, End: time.Now()}
	switch {
	case err != nil:
		judgeLate(t, clauseExpired, w, namesrvProcesses(t), "frozen %s was not removed from every namesrv's cluster and routes within %s of the freeze (%s expiry + %s scan + %s): %v", b.Pod, expiryBound+15*time.Second, brokerExpiry, expiryScan, boundSlack, err)
		return
	case took > expiryBound:
		judgeLate(t, clauseExpired, w, namesrvProcesses(t), "frozen %s was removed from every namesrv only %s after the freeze, past the bound of %s (%s expiry + %s scan + %s)", b.Pod, took.Round(time.Second), expiryBound, brokerExpiry, expiryScan, boundSlack)
	}
	t.Waited("removed_after_freeze", took, timerExpiry)
	t.Logf("every namesrv removed frozen %s from its cluster and routes %s after the freeze", b.Pod, took.Round(time.Millisecond))
}

// rejoined waits, up to one registration period, for the thawed broker to
// be listed by every namesrv again at its brokerId and address, and checks
// its config and its store against what they were before the freeze.
func rejoined(ctx context.Context, t *T, b target.Broker, topic string, thawedAt time.Time, held int64, identity map[string]string) {
	rc := adminOf(t)
	id, _ := strconv.ParseInt(identity["brokerId"], 10, 64)
	wctx, cancel := context.WithTimeout(ctx, addonRegisterPeriod+boundSlack)
	defer cancel()
	v := plantedNamesrvs(ctx, t)
	err := wait.Until(wctx, 200*time.Millisecond, "thawed "+b.Pod+" to register again", func(ctx context.Context) (bool, string, error) {
		missing, err := v.At(ctx, b.Shard, id, b.Addr)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		return missing == "", missing, nil
	})
	if err != nil {
		// A registration still missing is the broker's doing: the
		// namesrvs listed every other broker meanwhile.
		judgeLate(t, clauseRejoins, history.Window{Start: thawedAt, End: time.Now()}, []string{b.Pod},
			"after the thaw, %s did not register again within one period (%s plus %s): %v", b.Pod, addonRegisterPeriod, boundSlack, err)
		runtime.Goexit()
	}
	took := time.Since(thawedAt)
	t.Waited("registered_after_thaw", took, timerRegistration)
	cfg, err := brokerConfigOf(ctx, t, rc, b.Addr)
	if err != nil {
		t.Fatalf(clauseRejoins, "read the config of thawed %s: %v", b.Pod, err)
	}
	for _, k := range []string{"brokerClusterName", "brokerName", "brokerId", "brokerRole"} {
		if cfg[k] != identity[k] {
			t.Errorf(clauseRejoins, "after the thaw, %s runs with %s=%s; before the freeze it was %s", b.Pod, k, cfg[k], identity[k])
		}
	}
	now, err := replica.CommitLogMax(ctx, adminOf(t), b)
	if err != nil {
		t.Fatalf(clauseRejoins, "%v", err)
	}
	if now < held {
		t.Errorf(clauseRejoins, "after the thaw, %s holds its commit log up to %d; before the freeze it held %d", b.Pod, now, held)
	}
	t.Logf("thawed %s registered again at brokerId %d after %s, holding its commit log up to %d (%d before the freeze)", b.Pod, id, took.Round(time.Millisecond), now, held)
}
