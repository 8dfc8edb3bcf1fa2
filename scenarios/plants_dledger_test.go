package scenarios_test

import (
	"context"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/local"
)

// The DLedger mode's plants: a Raft group of three on loopback, and what a
// platform or a broker could do to it.

// dledger is a DLedger-mode bench of one shard of three members, for
// kills.
func dledger(opts ...local.Option) bench {
	return bench{1, 3, opts, scenarios.Mode{DLedger: true}, 1, busy}
}

// dledgerLight is dledger for the plants that only read configs.
func dledgerLight(opts ...local.Option) bench {
	b := dledger(opts...)
	b.kind = light
	return b
}

// namesrvListsFollowerFirst answers every namesrv cluster table with the
// first shard's first follower at brokerId 0.
func namesrvListsFollowerFirst(c *local.Cluster) planted {
	s := shardsOf(c)[0]
	follower := s.Slaves()[0].Addr
	return with(scenarios.PlantClusterInfo(func(_ string, ci *remoting.ClusterInfo) {
		if bd, ok := ci.BrokerAddrTable[s.Name]; ok {
			bd.BrokerAddrs[0] = follower
		}
	}))
}

// wrongLeader is a platform that names a follower as the shard's leader:
// on Kubernetes, the leader's role label on the wrong pod.
func wrongLeader(c *local.Cluster) planted {
	return reshape(c, reshaped{shards: func(s []target.Shard) []target.Shard {
		s[0].Leader = (s[0].Leader + 1) % len(s[0].Brokers)
		return s
	}})
}

// labelOnFollower is a platform that labels roles and, after the fault,
// puts the master label on a member that does not lead (the class of
// apecloud/kubeblocks#10082): it is judged on the shard the fault run
// recorded, relabelled.
func labelOnFollower(*local.Cluster) planted {
	return with(scenarios.PlantLabels(func(s target.Shard) target.Shard {
		s.Brokers = slices.Clone(s.Brokers)
		wrong := (max(s.Leader, 0) + 1) % len(s.Brokers)
		for j := range s.Brokers {
			s.Brokers[j].RoleLabel = map[bool]string{true: "master", false: "slave"}[j == wrong]
		}
		return s
	}))
}

// followerConfig changes, in the config every case reads, what the first
// follower of the first shard reports.
func followerConfig(change func(cfg map[string]string)) edge {
	return func(c *local.Cluster) planted {
		follower := shardsOf(c)[0].Slaves()[0].Addr
		return configOf(func(_ *local.Cluster, addr string) bool { return addr == follower }, change)(c)
	}
}

var (
	// followerAtID7: a follower at brokerId 7, not its member index + 1.
	followerAtID7 = followerConfig(func(cfg map[string]string) { cfg["brokerId"] = "7" })
	// followerWithOwnPeers: a follower that names a fourth member.
	followerWithOwnPeers = followerConfig(func(cfg map[string]string) { cfg["dLegerPeers"] += ";n9-127.0.0.1:1" })
)

// survivorsFrozen freezes every other member of the victim's shard with
// the kill, so no majority is left to elect a leader within the
// election's limit, and keeps the victim down meanwhile: the survivors
// thaw past the limit and elect one of them, and only then is the victim
// let back, as a follower.
func survivorsFrozen(c *local.Cluster) planted {
	f := &frozenSurvivors{Cluster: c}
	return planted{target: f, undo: f.end}
}

// frozenSurvivors is the platform of survivorsFrozen.
type frozenSurvivors struct {
	*local.Cluster
	mu     sync.Mutex
	frozen []string
	victim string
	timer  *time.Timer
}

func (f *frozenSurvivors) Kill(ctx context.Context, victim target.Broker) error {
	if err := f.Cluster.Hold(victim.Pod); err != nil {
		return err
	}
	if err := f.Cluster.Kill(ctx, victim); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.victim = victim.Pod
	for _, s := range shardsOf(f.Cluster) {
		for _, b := range s.Brokers {
			if b.Shard == victim.Shard && b.Pod != victim.Pod {
				if err := f.Cluster.Freeze(b.Pod); err != nil {
					return err
				}
				f.frozen = append(f.frozen, b.Pod)
			}
		}
	}
	// The plant's length, not a wait for a condition: past the limit.
	f.timer = time.AfterFunc(scenarios.ElectionLimit+2*time.Second, func() { f.thawThenRelease(victim) })
	return nil
}

// thawThenRelease thaws the survivors, waits until they elect one of them,
// and lets the victim come back.
func (f *frozenSurvivors) thawThenRelease(victim target.Broker) {
	f.thaw()
	ctx, cancel := context.WithTimeout(context.Background(), scenarios.ElectionLimit)
	defer cancel()
	wait.Until(ctx, 100*time.Millisecond, "plant: the survivors to elect a leader", func(ctx context.Context) (bool, string, error) {
		s, err := f.Cluster.Shards(ctx)
		for _, sh := range s {
			if err == nil && sh.Name == victim.Shard && sh.Leader >= 0 && sh.Master().Pod != victim.Pod {
				return true, "", nil
			}
		}
		return false, "", nil
	})
	f.release()
}

func (f *frozenSurvivors) thaw() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, pod := range f.frozen {
		f.Cluster.Thaw(pod)
	}
	f.frozen = nil
}

func (f *frozenSurvivors) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.victim != "" {
		f.Cluster.Release(f.victim)
		f.victim = ""
	}
}

// end undoes whatever of the plant is still in place.
func (f *frozenSurvivors) end() {
	f.mu.Lock()
	t := f.timer
	f.mu.Unlock()
	if t != nil && t.Stop() {
		f.thaw()
		f.release()
	}
}

// survivorsFrozenOnceElected is a platform whose kill of a leader freezes
// the shard's survivors as soon as one of them is elected, for longer
// than a route refresh: the shard has a leader, registered in every
// namesrv, that takes no writes. Frozen, the leader waits on no run
// queue, so the clause fails however busy the machine is.
func survivorsFrozenOnceElected(c *local.Cluster) planted {
	f := &electedFrozen{refreezer: &refreezer{Cluster: c}}
	return planted{target: f, undo: f.thawAll}
}

// electedFrozen is the platform of survivorsFrozenOnceElected.
type electedFrozen struct {
	*refreezer
	others []string // the survivors frozen beside the leader
	victim string   // held down while they are
}

func (e *electedFrozen) Kill(ctx context.Context, victim target.Broker) error {
	// The victim stays down while the survivors are frozen: back among
	// them it would find no leader, and report none.
	if err := e.Cluster.Hold(victim.Pod); err != nil {
		return err
	}
	e.victim = victim.Pod
	if err := e.Cluster.Kill(ctx, victim); err != nil {
		return err
	}
	var leader target.Broker
	err := wait.Until(ctx, 50*time.Millisecond, "plant: a leader other than "+victim.Pod, func(ctx context.Context) (bool, string, error) {
		s, err := e.Cluster.Shards(ctx)
		if err != nil {
			return false, err.Error(), nil
		}
		for _, sh := range s {
			if sh.Name == victim.Shard && sh.Leader >= 0 && sh.Master().Pod != victim.Pod {
				leader = sh.Master()
				return true, "", nil
			}
		}
		return false, "not elected yet", nil
	})
	if err != nil {
		return err
	}
	for _, b := range shardsOf(e.Cluster)[0].Brokers {
		if b.Pod != victim.Pod && b.Pod != leader.Pod {
			if err := e.Cluster.Freeze(b.Pod); err != nil {
				return err
			}
			e.others = append(e.others, b.Pod)
		}
	}
	others := e.others
	time.AfterFunc(refreezeFor, func() { // the plant's length, not a wait for a condition
		for _, pod := range others {
			e.Cluster.Thaw(pod)
		}
		e.Cluster.Release(victim.Pod)
	})
	return e.freeze(leader)
}

// thawAll thaws the leader and the survivors frozen with it, and lets the
// victim back.
func (e *electedFrozen) thawAll() {
	e.thawNow()
	for _, pod := range e.others {
		e.Cluster.Thaw(pod)
	}
	if e.victim != "" {
		e.Cluster.Release(e.victim)
	}
}

// returnsAsLeader has every broker that comes back from a kill report
// itself a leader: SYNC_MASTER at brokerId 0, as a member that rejoined
// naming only itself as peer does (a second leader of its shard).
var returnsAsLeader = configOf(anyBroker, func(cfg map[string]string) {
	cfg["brokerRole"], cfg["brokerId"] = "SYNC_MASTER", "0"
})

// changeFollowerKey changes the key of the first message read from a
// follower: a member that does not serve what its leader holds there.
var changeFollowerKey = readPlant(anyFollower, func(msgs []remoting.Message) []remoting.Message {
	m := msgs[0]
	m.Properties = map[string]string{"KEYS": "planted-key"}
	return append([]remoting.Message{m}, msgs[1:]...)
})

func anyFollower(c *local.Cluster, addr string) bool {
	for _, s := range shardsOf(c) {
		for _, b := range s.Slaves() {
			if b.Addr == addr {
				return true
			}
		}
	}
	return false
}

// oneRound runs failover/leader-churn with one election, on the target e
// plants: its fault needs one election to show its clause failing.
func oneRound(e edge) edge {
	return func(c *local.Cluster) planted {
		pl := e(c)
		pl.plants = scenarios.OneChurnRound()
		return pl
	}
}

// listenerOnDLedgerPort listens on the DLedger port of the first broker of
// a default-mode bench: something serves there though DLedger is off.
func listenerOnDLedgerPort(c *local.Cluster) planted {
	l, err := net.Listen("tcp", shardsOf(c)[0].Master().DLedgerAddr)
	if err != nil {
		panic(err)
	}
	return planted{undo: func() { l.Close() }}
}
