package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/election"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// What the scaling cases share: the shards as they are while a scaling
// changes them, whether added brokers registered as the addon numbers
// them, whether their role labels came, and whether removed ones left
// the namesrvs.

// liveShards reads the target's shards as they are now, not held to the
// topology (a scaling changes them on purpose), once every shard has a
// master or election.Limit has passed.
func liveShards(ctx context.Context, t *T) []target.Shard {
	var s []target.Shard
	wctx, cancel := context.WithTimeout(ctx, election.Limit)
	defer cancel()
	err := wait.Until(wctx, 200*time.Millisecond, "every shard to have a master", func(ctx context.Context) (bool, string, error) {
		got, err := t.Target.Shards(ctx)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		s = got
		why := leaderless(s)
		return why == "", why, nil
	})
	if s == nil {
		t.Erroredf("list the shards: %v", err)
	}
	return s
}

// awaitRegisteredAs waits, within bound, until every namesrv lists each
// of brokers at its address under its shard with the brokerId want gives
// it, and returns, per pod, what was wrong when the wait ended ("" for
// none).
func awaitRegisteredAs(ctx context.Context, t *T, brokers []target.Broker, want func(target.Broker) int64, bound time.Duration) map[string]string {
	wctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	wrong := map[string]string{}
	wait.Until(wctx, 500*time.Millisecond, "the added brokers to register", func(ctx context.Context) (bool, string, error) {
		for _, b := range brokers {
			wrong[b.Pod] = registeredAs(ctx, t, b, want(b))
		}
		var left []string
		for _, w := range wrong {
			if w != "" {
				left = append(left, w)
			}
		}
		return len(left) == 0, strings.Join(left, "; "), nil
	})
	return wrong
}

// registeredAs says how the namesrvs' listing of b differs from brokerId
// id, or "".
func registeredAs(ctx context.Context, t *T, b target.Broker, id int64) string {
	ns, err := t.Target.Namesrvs(ctx)
	if err != nil {
		return "find the namesrvs: " + wait.Reason(err)
	}
	var gaps []string
	for _, n := range ns {
		ci, err := clusterInfo(ctx, t, adminOf(t), n)
		if err != nil {
			gaps = append(gaps, fmt.Sprintf("namesrv %s: %s", n, wait.Reason(err)))
			continue
		}
		var at []int64
		for bid, addr := range ci.BrokerAddrTable[b.Shard].BrokerAddrs {
			if addr == b.Addr && b.Addr != "" {
				at = append(at, bid)
			}
		}
		if !slices.Equal(at, []int64{id}) {
			gaps = append(gaps, fmt.Sprintf("namesrv %s lists %s (%s) of %s under brokerIds %v, expected [%d]", n, b.Pod, orNone([]string{b.Addr}), b.Shard, at, id))
		}
	}
	return strings.Join(gaps, "; ")
}

// awaitLabelled waits, where the target labels roles, until each pod of
// want has the role label want gives it, within election.LabelSettle,
// and returns why it was not checked ("" when it was) and what was wrong
// when the wait ended.
func awaitLabelled(ctx context.Context, t *T, want map[string]string) (lacks string, wrong []string) {
	if lacks = t.Target.Abilities().Lacks(verdict.RoleLabels); lacks != "" {
		return lacks, nil
	}
	wctx, cancel := context.WithTimeout(ctx, election.LabelSettle)
	defer cancel()
	wait.Until(wctx, 500*time.Millisecond, "the added brokers' role labels", func(ctx context.Context) (bool, string, error) {
		shards, err := t.Target.Shards(ctx)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		wrong = labelGaps(allBrokers(shards), want)
		return len(wrong) == 0, strings.Join(wrong, "; "), nil
	})
	return "", wrong
}

// labelGaps says which pods of want lack the role label it gives them.
func labelGaps(brokers []target.Broker, want map[string]string) []string {
	var out []string
	for _, pod := range slices.Sorted(maps.Keys(want)) {
		i := slices.IndexFunc(brokers, func(b target.Broker) bool { return b.Pod == pod })
		switch {
		case i < 0:
			out = append(out, pod+" is not among the brokers")
		case brokers[i].RoleLabel != want[pod]:
			out = append(out, fmt.Sprintf("%s is labelled %q, expected %q", pod, brokers[i].RoleLabel, want[pod]))
		}
	}
	return out
}

// awaitUnlisted waits, within expiryBound (a removed broker is gone from
// every namesrv by then even if its shutdown said nothing), until no namesrv lists any of
// addrs (pod -> address), and returns what some namesrv still listed.
func awaitUnlisted(ctx context.Context, t *T, addrs map[string]string) []string {
	wctx, cancel := context.WithTimeout(ctx, expiryBound)
	defer cancel()
	var listed []string
	wait.Until(wctx, time.Second, "the removed brokers to leave every namesrv", func(ctx context.Context) (bool, string, error) {
		ns, err := t.Target.Namesrvs(ctx)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		listed = nil
		for _, n := range ns {
			ci, err := clusterInfo(ctx, t, adminOf(t), n)
			if err != nil {
				return false, wait.Reason(err), nil
			}
			for _, pod := range slices.Sorted(maps.Keys(addrs)) {
				for shard, bd := range ci.BrokerAddrTable {
					for _, a := range bd.BrokerAddrs {
						if a == addrs[pod] {
							listed = append(listed, fmt.Sprintf("namesrv %s still lists %s (%s) under %s", n, pod, a, shard))
						}
					}
				}
			}
		}
		return len(listed) == 0, strings.Join(listed, "; "), nil
	})
	return listed
}

// judgedRegistrations is what a scaling recorded of its added brokers'
// registrations (pod -> what was wrong), as case t judges it: a copy,
// through the tests' registration plant, which adds to the first pod's.
func judgedRegistrations(t *T, wrong map[string]string, brokers []target.Broker) map[string]string {
	out := maps.Clone(wrong)
	if t.plants.registered != nil && len(brokers) > 0 {
		first := brokers[0].Pod
		var was []string
		if out[first] != "" {
			was = []string{out[first]}
		}
		out[first] = strings.Join(t.plants.registered(was), "; ")
	}
	return out
}
