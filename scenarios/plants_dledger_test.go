package scenarios_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/local"
	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios"
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
	return reshape(c, reshaped{shards: func(s []scenarios.Shard) []scenarios.Shard {
		s[0].Leader = (s[0].Leader + 1) % len(s[0].Brokers)
		return s
	}})
}

// leaderLabelOnFollower is a platform that labels roles and, after an
// election, puts the master label on a follower rather than on the leader
// (the class of apecloud/kubeblocks#10082).
func leaderLabelOnFollower(c *local.Cluster) planted {
	return reshape(c, reshaped{labels: true, shards: func(s []scenarios.Shard) []scenarios.Shard {
		for i := range s {
			wrong := (s[i].Leader + 1) % len(s[i].Brokers)
			for j := range s[i].Brokers {
				s[i].Brokers[j].RoleLabel = map[bool]string{true: "master", false: "slave"}[j == wrong]
			}
		}
		return s
	}})
}

// followerConfig changes, in the config every case reads, what the first
// follower of the first shard reports.
func followerConfig(change func(cfg map[string]string)) edge {
	return configOf(ordinalAt(1), change)
}

var (
	// followerAtID7: a follower at brokerId 7, not its member index + 1.
	followerAtID7 = followerConfig(func(cfg map[string]string) { cfg["brokerId"] = "7" })
	// followerWithOwnPeers: a follower that names a fourth member.
	followerWithOwnPeers = followerConfig(func(cfg map[string]string) { cfg["dLegerPeers"] += ";n9-127.0.0.1:1" })
)

// survivorsFrozen freezes every other member of the victim's shard with
// the kill, so no majority is left to elect a leader; they thaw as the
// victim is awaited back, after the election was given its time.
func survivorsFrozen(c *local.Cluster) planted {
	f := &faultyPlatform{Cluster: c, thawEarly: true, freeze: func(victim scenarios.Broker) []string {
		var pods []string
		for _, s := range shardsOf(c) {
			for _, b := range s.Brokers {
				if b.Shard == victim.Shard && b.Pod != victim.Pod {
					pods = append(pods, b.Pod)
				}
			}
		}
		return pods
	}}
	return planted{target: f, undo: f.thaw}
}

// leaderReadOnly is a platform whose kill of a leader also leaves the
// case's topic read-only (perm 4) on the member elected next: it leads,
// but the route it registers takes no writes. (A 4.9 follower refuses
// topic changes, so the change waits for the election.)
type leaderReadOnly struct {
	*local.Cluster
	topicPrefix string
}

func readOnlyAfterKill(c *local.Cluster) planted {
	return planted{target: leaderReadOnly{Cluster: c, topicPrefix: "conformance-kill-master"}}
}

func (l leaderReadOnly) Kill(ctx context.Context, victim scenarios.Broker) error {
	if err := l.Cluster.Kill(ctx, victim); err != nil {
		return err
	}
	var leader string
	err := wait.Until(ctx, 50*time.Millisecond, "plant: a leader other than "+victim.Pod, func(ctx context.Context) (bool, string, error) {
		s, err := l.Cluster.Shards(ctx)
		if err != nil {
			return false, err.Error(), nil
		}
		for _, sh := range s {
			if sh.Name == victim.Shard && sh.Leader >= 0 && sh.Master().Pod != victim.Pod {
				leader = sh.Master().Addr
				return true, "", nil
			}
		}
		return false, "not elected yet", nil
	})
	if err != nil {
		return err
	}
	rc := remoting.New()
	defer rc.Close()
	return readOnlyTopics(ctx, rc, leader, l.topicPrefix)
}

// readOnlyTopics turns every topic of the broker at addr whose name starts
// with prefix read-only.
func readOnlyTopics(ctx context.Context, rc *remoting.Client, addr, prefix string) error {
	topics, err := rc.TopicConfigs(ctx, addr)
	if err != nil {
		return err
	}
	n := 0
	for name, tc := range topics {
		if strings.HasPrefix(name, prefix) {
			tc.Perm = 4 // PermName.PERM_READ
			if err := rc.CreateTopic(ctx, addr, tc); err != nil {
				return err
			}
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("no topic %s* to make read-only", prefix)
	}
	return nil
}

// soloPeers rewrites a recreated member's dLegerPeers to name itself only:
// it elects itself, a second leader of its shard (split brain), instead of
// rejoining its group as a follower.
func soloPeers(r local.Recreated) error {
	conf, err := os.ReadFile(r.Conf())
	if err != nil {
		return err
	}
	lines := strings.Split(string(conf), "\n")
	self := ""
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "dLegerSelfId="); ok {
			self = strings.TrimSpace(v)
		}
	}
	for i, l := range lines {
		v, ok := strings.CutPrefix(l, "dLegerPeers=")
		if !ok {
			continue
		}
		for _, p := range strings.Split(v, ";") {
			if strings.HasPrefix(p, self+"-") {
				lines[i] = "dLegerPeers=" + p
			}
		}
	}
	return os.WriteFile(r.Conf(), []byte(strings.Join(lines, "\n")), 0o644)
}

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

// oneRound runs failover/leader-churn with one election, with e planted
// if it is not nil: the plants on it need one election to show their
// clause failing.
func oneRound(e edge) edge {
	one := func(*local.Cluster) planted { return with(scenarios.OneChurnRound()) }
	if e == nil {
		return one
	}
	return plus(one, e)
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
