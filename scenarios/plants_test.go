package scenarios_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/reports"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/audit"
	"github.com/rmqkb/conformance/target/local"
	"github.com/rmqkb/conformance/testenv"
	"github.com/rmqkb/conformance/verdict"
)

// The planted-fault table. Every clause of every case's promise
// (Case.Clauses) has a fault here that makes exactly that clause fail, and
// what the failure must say: a check that cannot fail is a defect. Each
// row asserts the exact set of the case's failed clause IDs, so a fault
// that breaks another clause beside its own fails its row. Faults are
// planted in a real RocketMQ topology where the broker can be made to
// misbehave (its config, a process killed, frozen or kept from
// replicating: a bench), and otherwise at the suite's edge (a consumer
// that drops one delivery, a sampler that stalls, a history with one
// acknowledgement that never happened). Where a real fault breaks several
// clauses at once, its row names them all (also), and each of them has a
// row of its own as well. The object cases' faults are the deviating
// fixtures of testenv.Deviations, judged through the audit target.
// TestEveryClauseHasAPlant keeps the table complete; TestPlanted runs it,
// bench by bench, when RMQKB_PLANTED=1 (the planted tier).

// plant is one row of the table.
type plant struct {
	bench  string // the topology it runs on (benches)
	caseID string
	clause string // the clause ID the fault makes fail; control for none
	fault  string // what is planted, in words
	want   string // what the failure must say
	// edge plants the fault at the suite's edge, or wraps the target.
	// Nil: the bench itself is the fault.
	edge edge
	// also are the further clauses the fault breaks with clause; the
	// row asserts all of them.
	also []string
}

// planted is what an edge plants: the target the case runs on (nil: the
// bench as it is), the plants its session carries, and what restores the
// bench afterwards (nil: nothing).
type planted struct {
	target target.Target
	plants scenarios.Plants
	undo   func()
	// beside is a case run in the same session as the row's, their
	// shared runs performed by the suite's setup as in a run of the
	// suite (so one may start beside the other); it must pass.
	beside string
}

func (p planted) restore() {
	if p.undo != nil {
		p.undo()
	}
}

// edge plants a row's fault on the bench.
type edge func(c *local.Cluster) planted

// with plants p and nothing else.
func with(p scenarios.Plants) planted { return planted{plants: p} }

// wants is the exact set of full clause IDs the row's case must fail.
func (p plant) wants() []string {
	if p.clause == control {
		return nil
	}
	out := []string{verdict.ClauseID(p.caseID, p.clause)}
	for _, a := range p.also {
		out = append(out, verdict.ClauseID(p.caseID, a))
	}
	slices.Sort(out)
	return out
}

// rejudges reports whether the row's fault acts only when a recorded run
// is judged, on the bench as it is: it can judge again a run its bench's
// control row recorded, instead of injecting the fault anew.
func (p plant) rejudges(c *local.Cluster) (planted, bool) {
	if p.edge == nil {
		return planted{}, false
	}
	pl := p.edge(c)
	return pl, pl.target == nil && pl.undo == nil && pl.plants.JudgeOnly()
}

// control is the clause of a row that plants nothing: the case must pass
// on the bench with that edge, as a check that what the fault rows change
// is all that fails them.
const control = "control"

// bench is a topology some plants share: one start for all of them.
type bench struct {
	shards, replicas int
	opts             []local.Option
	mode             scenarios.Mode
	// namesrvs is how many namesrvs it runs: one unless a case on it
	// needs two.
	namesrvs int
	// kind says how it shares the machine (busy, light, idle).
	kind benchKind
}

// benchKind is how a bench shares the machine with the others.
type benchKind int

const (
	// busy benches drive load and inject faults: one at a time, under
	// testenv.BusyLock.
	busy benchKind = iota
	// light benches only read configs and send a few messages: they run
	// side by side, together holding the busy lock.
	light
	// idle benches wait minutes on RocketMQ's timers: they run beside
	// everything, under testenv.IdleLock.
	idle
)

// lane is a line of busy benches that take turns under a machine-wide
// lock of its own; lanes run side by side. The lanes are balanced by
// time: the operations benches' runs mostly wait out the platform's
// timers (a pod's grace period, minReadySeconds) under a light load
// (about 11 % of the machine), so the fault benches run beside them.
type lane struct {
	lock string
	// benches run in turn; lightTurn in their place is the light
	// benches' turn.
	benches []string
	// ahead are benches of the lane whose topologies start when the lane
	// does, and wait, idle, for their turn: their start is off the lane's
	// length.
	ahead []string
}

// lightTurn is the light benches' turn in a lane: they run side by side,
// together holding the lane's lock.
const lightTurn = "light"

// The fault lane is the tier's length: slave-blocked's three processes
// start beside conforming's and wait for it. lost-volume-period-10s runs
// last on the operations lane, after the light benches: its one shard
// overlaps only the tails of slave-blocked (a frozen slave) and dledger,
// not the light benches' starts (when it did, at 97 % CPU, kill-master had
// only 51 acknowledgements before the kill).
var lanes = []lane{
	{lock: testenv.BusyLock, benches: []string{"conforming", "slave-blocked"}, ahead: []string{"slave-blocked"}},
	{lock: testenv.OperationsLock, benches: []string{"operations", "scaling", lightTurn, "lost-volume-period-10s"}},
	{lock: testenv.RollingLock, benches: []string{"rolling", "dledger"}},
}

// acl is an ACL-mode bench whose plain_acl.yml edit plants the fault.
func acl(edit func(*local.ACLFile)) bench {
	var opts []local.Option
	if edit != nil {
		opts = append(opts, local.WithACLFile(edit))
	}
	return bench{1, 2, opts, scenarios.Mode{ACL: true}, 1, light}
}

// config is a light bench of shards x replicas whose broker.conf plants
// the fault.
func config(shards, replicas int, all, master, slave []string) bench {
	return bench{shards, replicas, brokerConfig(all, master, slave), scenarios.Mode{}, 1, light}
}

var benches = map[string]bench{
	// A conforming topology with two namesrvs: every fault on it is
	// planted per row.
	"conforming": {2, 2, nil, scenarios.Mode{}, 2, busy},
	// The operations cases, on conforming topologies of their own: a
	// restart, a stop and start and a reconfiguring on one, the rolling
	// vertical and namesrv scalings on another.
	"operations": {2, 2, nil, scenarios.Mode{}, 2, busy},
	"rolling":    {2, 2, nil, scenarios.Mode{}, 2, busy},
	// The scaling cases: they add and remove brokers and shards, so
	// they scale a bench of their own.
	"scaling": {2, 2, nil, scenarios.Mode{}, 1, busy},
	// Shards named as the seed names them, not as KubeBlocks does.
	"seed-names": {2, 1, []local.Option{local.WithShardNames("broker-0", "broker-1")}, scenarios.Mode{}, 1, light},
	// A slave that registers in another cluster.
	"slave-elsewhere": config(1, 2, nil, nil, []string{"brokerClusterName=planted-elsewhere"}),
	// A slave at brokerId 3 instead of its ordinal.
	"slave-id": config(1, 2, nil, nil, []string{"brokerId=3"}),
	// Asynchronous flushing, topic auto-creation and a stray dLeger key:
	// three keys, two cases, each failing as many clauses.
	"flush-autocreate": config(1, 1, []string{"flushDiskType=ASYNC_FLUSH", "autoCreateTopicEnable=true", "dLegerGroup=planted-group"}, nil, nil),
	// A master that waits on a slave kept from replicating.
	"sync-master": config(1, 2, nil, []string{"brokerRole=SYNC_MASTER"}, []string{"haMasterAddress=127.0.0.1:1"}),
	// A slave kept from replicating: its HA client dials where no master is.
	"slave-blocked": {1, 2, brokerConfig(nil, nil, []string{"haMasterAddress=127.0.0.1:1"}), scenarios.Mode{}, 1, busy},
	// Brokers that refuse bodies over 8 bytes.
	"tiny-messages": config(1, 2, []string{"maxMessageSize=8"}, nil, nil),
	// A limit below the addon's, and one above it.
	"limit-1M":  config(1, 1, []string{"maxMessageSize=1048576"}, nil, nil),
	"limit-10M": config(1, 1, []string{"maxMessageSize=10485760"}, nil, nil),
	// Brokers that create no subscription group on a consumer's first pull.
	"no-group-autocreate": config(1, 1, []string{"autoCreateSubscriptionGroup=false"}, nil, nil),
	// Read-only brokers.
	"read-only": config(1, 1, []string{"brokerPermission=4"}, nil, nil),
	// A master whose messages do not survive its recreation (a PVC
	// restored from a backup of its config alone), on brokers that
	// register every 10 s instead of 30 s: two faults on one topology,
	// since neither touches a clause of the other's case (kill-master
	// reads no registration period; a namesrv restart recreates no
	// broker).
	"lost-volume-period-10s": {1, 1, append([]local.Option{local.WithOnRecreate(lostMessages)}, brokerConfig([]string{"registerNameServerPeriod=10000"}, nil, nil)...), scenarios.Mode{}, 1, busy},
	// ACL as the addon writes it: every fault on it is planted per row.
	"acl": acl(nil),
	// A global whitelist that covers the suite's address too.
	"acl-whitelist-wide": acl(func(f *local.ACLFile) {
		f.GlobalWhiteRemoteAddresses = append(f.GlobalWhiteRemoteAddresses, "127.0.1.*")
	}),
	// The account's own whitelist covers the suite: its signature is not
	// checked from there, but a request must still name it.
	"acl-account-whitelist": acl(func(f *local.ACLFile) { f.Accounts[0].WhiteRemoteAddress = "127.0.1.*" }),
	// The brokers' account has another secret than the shard's Secret.
	"acl-other-secret": acl(func(f *local.ACLFile) { f.Accounts[0].SecretKey = "Other2468" }),
	// The account is not admin: it may not create topics.
	"acl-not-admin": acl(func(f *local.ACLFile) { f.Accounts[0].Admin = false }),
	// DLedger as the addon writes it: every fault on it is planted per row.
	"dledger": dledger(),
	// A Raft group under another name than its shard's.
	"dledger-group": dledgerLight(brokerConfig([]string{"dLegerGroup=planted-group"}, nil, nil)...),
	// Conforming shards for the stale-broker cases, which wait minutes on
	// the namesrv's expiry: one shard per row, so that the rows freeze a
	// broker each and wait out the expiry together, beside the others.
	"expiry": {5, 1, nil, scenarios.Mode{}, 1, idle},
}

// brokerConfig plants broker.conf keys: for every broker, for masters and
// for slaves.
func brokerConfig(all, master, slave []string) []local.Option {
	return []local.Option{local.WithBrokerConfig(settings(all...), settings(master...), settings(slave...))}
}

func settings(kvs ...string) []local.Setting {
	var out []local.Setting
	for _, kv := range kvs {
		s, err := local.ParseSetting("plant", kv)
		if err != nil {
			panic(err)
		}
		out = append(out, s)
	}
	return out
}

// table is every RocketMQ plant; the object cases' come from
// testenv.Deviations (objectPlants).
var table = []plant{
	// routing/brokers-registered
	{"seed-names", "routing/brokers-registered", "shard-names", "shards named broker-0 and broker-1", `shard "broker-0" is not named broker-<3 characters>`, nil, nil},
	{"slave-elsewhere", "routing/brokers-registered", "cluster-name", "a slave in cluster planted-elsewhere", `lists cluster "planted-elsewhere"`, nil, []string{"own-config"}},
	{"conforming", "routing/brokers-registered", "cluster-name", "every namesrv lists a second cluster holding a shard", `lists cluster "planted-elsewhere"`, anotherCluster, nil},
	{"conforming", "routing/brokers-registered", "own-config", "a slave whose config names another shard", `brokerName="planted-shard"`, setConfig(ordinalAt(1), "brokerName", "planted-shard"), nil},
	{"slave-id", "routing/brokers-registered", "broker-ids", "a slave at brokerId 3", `brokerId 1 is ""`, nil, []string{"own-config"}},
	{"conforming", "routing/brokers-registered", "broker-ids", "every namesrv lists a slave at another address", "expected 127.0.0.1:", namesrvListsSlaveElsewhere, nil},
	{"conforming", "routing/brokers-registered", "broker-ids", "the target advertises a slave at another port", "expected 127.0.0.1:1", advertisedElsewhere, []string{"own-config"}},
	{"conforming", "routing/brokers-registered", "nothing-else", "the Cluster asks for one shard fewer than run", "which is no shard of this cluster", oneShardHidden, nil},
	// routing/topic-create
	{"flush-autocreate", "routing/topic-create", "no-template", "autoCreateTopicEnable=true", "TBW102", nil, []string{"no-auto-create"}},
	{"conforming", "routing/topic-create", "no-template", "a master whose topic table holds TBW102", "TBW102", templateTopicListed, nil},
	{"conforming", "routing/topic-create", "no-auto-create", "the topic meant to be uncreated exists", "succeeded", uncreatedTopicExists, nil},
	{"read-only", "routing/topic-create", "routed", "read-only brokers", "not read-write", nil, nil},
	{"tiny-messages", "routing/topic-create", "writable", "brokers that refuse bodies over 8 bytes", "writing to conformance-topic-", nil, nil},
	// messaging/round-trip
	{"tiny-messages", "messaging/round-trip", "acked", "brokers that refuse bodies over 8 bytes", "CODE: 13", nil, nil},
	{"conforming", "messaging/round-trip", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"no-group-autocreate", "messaging/round-trip", "delivered", "autoCreateSubscriptionGroup=false", "held by the brokers but were never delivered", nil, []string{"tag-all"}},
	{"conforming", "messaging/round-trip", "delivered", "the all-tags consumer drops one delivery", "undelivered 1", dropOne("all-tags"), nil},
	{"conforming", "messaging/round-trip", "once", "the all-tags consumer gets one message twice", "duplicated 1", duplicateOne("all-tags"), nil},
	{"conforming", "messaging/round-trip", "intact", "one body changed on the way", "arrived changed", changeBody, nil},
	{"conforming", "messaging/round-trip", "properties", "one property changed on the way", "property conformance-seq=", changeProperty, nil},
	{"conforming", "messaging/round-trip", "order", "two deliveries of a queue swapped", "out of send order", swapTwo, nil},
	{"conforming", "messaging/round-trip", "tag-only", "the TagA consumer gets a message retagged TagB", `with tag "TagB"`, retag, nil},
	{"conforming", "messaging/round-trip", "tag-all", "the TagA consumer drops one delivery", "the TagA subscription missed 1", dropOne("TagA"), nil},
	// messaging/consumer-groups
	{"tiny-messages", "messaging/consumer-groups", "acked", "brokers that refuse bodies over 8 bytes", "CODE: 13", nil, nil},
	{"conforming", "messaging/consumer-groups", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"conforming", "messaging/consumer-groups", "clustering-once", "clustering member clu-1 gets one message twice", "duplicated 1", duplicateOne("clu-1"), nil},
	{"conforming", "messaging/consumer-groups", "clustering-split", "every delivery to clustering member clu-2 counted for clu-1", "the clustering group did not split", countedAs("clu-2", "clu-1"), nil},
	{"no-group-autocreate", "messaging/consumer-groups", "broadcast-all", "autoCreateSubscriptionGroup=false", "held by the brokers but were never delivered", nil, []string{"clustering-once", "clustering-split"}},
	{"conforming", "messaging/consumer-groups", "broadcast-all", "broadcasting member bro-2 drops one delivery", "undelivered 1", dropOne("bro-2"), nil},
	{"conforming", "messaging/consumer-groups", "broadcast-once", "broadcasting member bro-1 gets one message twice", "duplicated 1", duplicateOne("bro-1"), nil},
	// messaging/message-size
	{"limit-1M", "messaging/message-size", "limit-config", "maxMessageSize=1048576", "maxMessageSize=1048576", nil, []string{"at-limit-accepted"}},
	{"limit-1M", "messaging/message-size", "at-limit-accepted", "maxMessageSize=1048576 on brokers that report the addon's limit", "(the addon's limit) was rejected", setConfig(anyBroker, "maxMessageSize", "5242880"), nil},
	{"conforming", "messaging/message-size", "limit-config", "a broker that reports maxMessageSize=1048576", "maxMessageSize=1048576", setConfig(ordinalAt(0), "maxMessageSize", "1048576"), nil},
	{"conforming", "messaging/message-size", "at-limit-intact", "one byte of the body changed on the way back", "intact", corruptBigRead, nil},
	{"limit-10M", "messaging/message-size", "limit-config", "maxMessageSize=10485760", "one over the limit, was accepted", nil, []string{"over-limit-rejected"}},
	{"limit-10M", "messaging/message-size", "over-limit-rejected", "maxMessageSize=10485760 on brokers that report the addon's limit", "one over the limit, was accepted", setConfig(anyBroker, "maxMessageSize", "5242880"), nil},
	{"conforming", "messaging/message-size", "over-limit-no-offset", "the next message acknowledged one offset further", "the over-limit message was stored", nextAckShifted, nil},
	// replication/roles
	{"sync-master", "replication/roles", "master-role", "brokerRole=SYNC_MASTER", "brokerRole=SYNC_MASTER", nil, nil},
	{"slave-id", "replication/roles", "slave-role", "a slave at brokerId 3", "brokerId=3", nil, nil},
	{"flush-autocreate", "replication/roles", "sync-flush", "flushDiskType=ASYNC_FLUSH, autoCreateTopicEnable=true and dLegerGroup with DLedger off", "flushDiskType=ASYNC_FLUSH", nil, []string{"no-auto-create", "dledger-off"}},
	{"conforming", "replication/roles", "sync-flush", "a broker that reports flushDiskType=ASYNC_FLUSH", "flushDiskType=ASYNC_FLUSH", setConfig(ordinalAt(0), "flushDiskType", "ASYNC_FLUSH"), nil},
	{"conforming", "replication/roles", "no-auto-create", "a broker that reports autoCreateTopicEnable=true", "autoCreateTopicEnable=true", setConfig(ordinalAt(1), "autoCreateTopicEnable", "true"), nil},
	{"conforming", "replication/roles", "dledger-off", "a listener on a broker's DLedger port", "something listens on its DLedger port", listenerOnDLedgerPort, nil},
	{"dledger", "replication/roles", "dledger-leader", "every namesrv lists a follower at brokerId 0", "at brokerId 0 of", namesrvListsFollowerFirst, nil},
	{"dledger", "replication/roles", "dledger-leader", "a platform that names a follower leader", "at brokerId 0 of", wrongLeader, []string{"dledger-follower-ids"}},
	{"dledger", "replication/roles", "dledger-follower-ids", "a follower at brokerId 7", "brokerId=7, the addon sets", followerAtID7, nil},
	{"dledger-group", "replication/roles", "dledger-keys", "dLegerGroup=planted-group", "dLegerGroup=planted-group, the addon sets", nil, nil},
	{"dledger", "replication/roles", "dledger-peers", "a follower that names a fourth peer", "name different peers", followerWithOwnPeers, nil},
	{"conforming", "replication/roles", "role-label", "a platform that labels a slave master", `role label "master", expected "slave"`, mislabelledSlave, nil},
	// replication/async-catch-up
	{"conforming", "replication/async-catch-up", "async-ack", "a send answered SLAVE_NOT_AVAILABLE", "SLAVE_NOT_AVAILABLE", failedSlaveNotAvailable, nil},
	{"conforming", "replication/async-catch-up", "lag-sampled", "a sampler that stalls", "it was not measured", stalledSampler, nil},
	{"conforming", "replication/async-catch-up", "catch-up", "a master and its slave frozen as the writes stop, for 25 s", "did not catch up within 20s", frozenAtStop, nil},
	// replication/slave-content
	{"tiny-messages", "replication/slave-content", "acked", "brokers that refuse bodies over 8 bytes", "CODE: 13", nil, nil},
	{"conforming", "replication/slave-content", "master-holds", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"slave-blocked", "replication/slave-content", "slave-count", "a slave kept from replicating", "serves 0", nil, nil},
	{"conforming", "replication/slave-content", "slave-same", "a slave read whose first key changed on the way", "slave rocketmq-cluster-broker-", changeSlaveKey, nil},
	// failover/kill-master
	{"conforming", "failover/kill-master", "labels-settle", "a platform that labels the slave master after the fault", "is labelled master, but the namesrvs list", labelOnFollower, nil},
	{"conforming", "failover/kill-master", "master-identity", "a master that comes back reporting brokerRole=SYNC_MASTER", "came back with brokerRole=SYNC_MASTER", setConfig(ordinalAt(0), "brokerRole", "SYNC_MASTER"), nil},
	{"lost-volume-period-10s", "failover/kill-master", "master-store", "the master's messages are lost on recreation", "came back without its store", nil, nil},
	{"conforming", "failover/kill-master", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"conforming", "failover/kill-master", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	{"conforming", "failover/kill-master", "no-failed-send", "a send to the other shard that failed after the fault", "failed outside the fault window", failedAfterFault, nil},
	{"conforming", "failover/kill-master", "writes-resume", "the master frozen as soon as it is back, for 37 s", "took no write within 35s", frozenAfterReturn, nil},
	{"dledger", "failover/kill-master", "dledger-elected", "the kill freezes the survivors", "elected no new leader within", survivorsFrozen, nil},
	{"dledger", "failover/kill-master", "dledger-writes-resume", "the survivors frozen as soon as one of them is elected, for 37 s", "took no write within", survivorsFrozenOnceElected, nil},
	{"dledger", "failover/kill-master", "dledger-victim-follows", "the killed leader comes back reporting itself leader (SYNC_MASTER, brokerId 0)", "came back with brokerRole=SYNC_MASTER", returnsAsLeader, nil},
	{"dledger", "failover/kill-master", "dledger-label", "a platform that labels a follower master after the election", "is labelled master, but the namesrvs list", labelOnFollower, nil},
	{"dledger", "failover/kill-master", "dledger-followers-serve", "a follower read whose first key changed on the way", "does not serve", changeFollowerKey, nil},
	// failover/leader-churn, one election each where the fault needs one
	{"dledger", "failover/leader-churn", "elected", "the kill freezes the survivors", "elected no new leader within", oneRound(survivorsFrozen), nil},
	{"dledger", "failover/leader-churn", "victims-follow", "every killed leader comes back reporting itself leader (SYNC_MASTER, brokerId 0)", "came back with brokerRole=SYNC_MASTER", returnsAsLeader, nil},
	{"dledger", "failover/leader-churn", "label", "a platform that labels a follower master after the election", "is labelled master, but the namesrvs list", labelOnFollower, nil},
	{"dledger", "failover/leader-churn", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"dledger", "failover/leader-churn", "no-duplicate", "a leader read that returns one message twice", "duplicated 1", duplicateRead, nil},
	{"dledger", "failover/leader-churn", "followers-serve", "a follower read whose first key changed on the way", "does not serve", changeFollowerKey, nil},
	{"dledger", "failover/leader-churn", "no-failed-send", "a send that failed after the churn", "failed outside the churn", failedAfterFault, nil},
	// failover/read-from-slave
	{"slave-blocked", "failover/read-from-slave", "replicated-before", "a slave kept from replicating, and frozen", "did not replicate its master", slaveFrozen, nil},
	{"conforming", "failover/read-from-slave", "slave-serves", "a slave read that comes back one message short", "replicated messages of", dropSlaveRead, nil},
	// failover/other-shards-write
	{"conforming", "failover/other-shards-write", "others-write", "the kill also freezes the other shard's master", "did not keep accepting writes", killFreezesOtherMaster, nil},
	// failover/kill-slave
	{"conforming", "failover/kill-slave", "labels-settle", "a platform that labels the slave master after the fault", "is labelled master, but the namesrvs list", labelOnFollower, nil},
	{"conforming", "failover/kill-slave", "writes-continue", "the kill also freezes the other shard's master", "did not keep accepting writes", killFreezesOtherMaster, nil},
	{"conforming", "failover/kill-slave", "slave-identity", "a slave that comes back reporting brokerId 3", "came back with brokerId=3", setConfig(ordinalAt(1), "brokerId", "3"), nil},
	{"conforming", "failover/kill-slave", "catch-up", "the slave and its master frozen as the writes stop, for 25 s", "did not catch up", frozenAtStop, nil},
	{"conforming", "failover/kill-slave", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"conforming", "failover/kill-slave", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	// routing/namesrv-independence
	{"conforming", "routing/namesrv-independence", "whole-on-each", "the second namesrv does not list a slave", "does not hold the whole registration on its own", namesrvMissesASlave, nil},
	{"conforming", "routing/namesrv-independence", "down-produce", "the second namesrv answers with the first's routes", "sends failed with a namesrv down", secondNamesrvProxiesFirst, nil},
	{"conforming", "routing/namesrv-independence", "down-consume", "a consumer that drops one delivery", "did not receive every acknowledged message", dropOne("nsi"), nil},
	{"conforming", "routing/namesrv-independence", "survivors-unchanged", "a slave that goes down with the namesrv", "changed its route", namesrvTakesASlave, nil},
	// routing/stale-broker-expiry: one shard of the expiry bench each,
	// side by side
	{"expiry", "routing/stale-broker-expiry", control, "the bench's first shard as it is", "", onShard(0, nil), nil},
	{"expiry", "routing/stale-broker-expiry", "labels-settle", "a platform that labels no broker master after the thaw", "members of", onShard(1, noMasterLabel), nil},
	{"expiry", "routing/stale-broker-expiry", "still-listed", "a freeze that kills the broker", "was removed from the namesrvs", onShard(2, freezeKills), nil},
	{"expiry", "routing/stale-broker-expiry", "expired", "a freeze that leaves the broker heart-beating", "was not removed from every namesrv", onShard(3, freezeMisses), nil},
	{"expiry", "routing/stale-broker-expiry", "rejoins", "a thaw that leaves the broker frozen", "did not register again within one period", onShard(4, thawMisses), nil},
	// failover/freeze-master
	{"conforming", "failover/freeze-master", "labels-settle", "a platform that labels the slave master after the fault", "is labelled master, but the namesrvs list", labelOnFollower, nil},
	{"conforming", "failover/freeze-master", "others-write", "the freeze takes the other shard's master too", "did not keep accepting writes", freezeTakesOtherMaster, nil},
	{"conforming", "failover/freeze-master", "slave-serves", "a slave read that comes back one message short", "replicated messages of", dropSlaveRead, nil},
	{"conforming", "failover/freeze-master", "writes-resume", "a thaw that does not hold: the master frozen again at once, for 37 s", "took no write within 35s", refreezeAfterThaw, nil},
	{"conforming", "failover/freeze-master", "no-failed-send", "a send to the other shard that failed after the fault", "failed outside the freeze window", failedAfterFault, nil},
	{"conforming", "failover/freeze-master", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"conforming", "failover/freeze-master", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	// failover/namesrv-restart
	{"lost-volume-period-10s", "failover/namesrv-restart", "period", "registerNameServerPeriod=10000", "registerNameServerPeriod=10000", nil, nil},
	{"conforming", "failover/namesrv-restart", "reregister", "another shard's slave frozen while the namesrv is down, with the kill of a slave beside it", "to register again", namesrvKillFreezesSlave, nil},
	{"conforming", "failover/namesrv-restart", "cached-writes", "a master frozen while the namesrv is down", "did not keep accepting writes", namesrvKillFreezesMaster, nil},
	{"conforming", "failover/namesrv-restart", "no-failed-send", "a send that failed before the kill", "failed outside the restart window", failedBeforeFault, nil},
	{"conforming", "failover/namesrv-restart", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"conforming", "failover/namesrv-restart", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	// operations/restart: one restart, judged again per row
	{"operations", "operations/restart", "succeeded", "a broker restart the platform reports Failed", "ended Failed", onBrokerRestart(restartFailed), nil},
	{"operations", "operations/restart", "once-each", "a broker restart that starts the first pod twice", "started 2 times", onBrokerRestart(firstPodTwice), nil},
	{"operations", "operations/restart", "order", "a broker restart that starts a master before its slave is Ready", "before", onBrokerRestart(masterFirst), nil},
	{"operations", "operations/restart", "identity", "a slave that comes back reporting brokerId 3", "came back with brokerId=3", setConfig(ordinalAt(1), "brokerId", "3"), nil},
	{"operations", "operations/restart", "registered", "a namesrv that does not list a broker again", "planted-namesrv", notRegisteredAgain, nil},
	{"operations", "operations/restart", "labels-settle", "a platform that labels the slave master after the restart", "is labelled master, but the namesrvs list", labelOnFollower, nil},
	{"operations", "operations/restart", "writes-window", "a send that failed before the restart", "failed outside the restart", failedBeforeFault, nil},
	{"operations", "operations/restart", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"operations", "operations/restart", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	// operations/reconfigure: one lowering and restoring, judged again per row
	{"operations", "operations/reconfigure", "succeeded", "a Reconfiguring the platform reports Failed", "ended Failed", onOperation("reconfiguring", opFailed), nil},
	{"operations", "operations/reconfigure", "applied", "a slave that keeps reporting the old limit", "reports maxMessageSize=1", setConfig(ordinalAt(1), "maxMessageSize", "1"), nil},
	{"operations", "operations/reconfigure", "no-restart", "a broker restarted by the Reconfiguring", "restarted brokers", onOperation("reconfiguring", restartedDuring), nil},
	{"operations", "operations/reconfigure", "effect", "masters that take the probe body whatever the limit", "accepted a 131072-byte body", probeAccepted, nil},
	{"operations", "operations/reconfigure", "writes", "a send that failed after the reconfiguring", "failed outside nothing", failedAfterFault, nil},
	{"operations", "operations/reconfigure", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"operations", "operations/reconfigure", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	// operations/reconfigure-immutable
	{"operations", "operations/reconfigure-immutable", "refused", "a platform that takes the immutable parameter", "ended Succeed", onOperation("reconfiguring", func(op *target.Operation) { op.Phase = target.OpSucceeded }), nil},
	{"operations", "operations/reconfigure-immutable", "unchanged", "a slave that reports another brokerClusterName", "reports brokerClusterName=planted", setConfig(ordinalAt(1), "brokerClusterName", "planted"), nil},
	// operations/stop-start: one stop and start, judged again per row
	{"operations", "operations/stop-start", "stopped", "a pod left when the Stop ends", "pods left after the Stop ended: planted-pod-0", onOperation("stop", podLeft), nil},
	{"operations", "operations/stop-start", "stores-kept", "a store made anew across the Start", "the stores changed across the Start", onOperation("start", storeRecreated), nil},
	{"operations", "operations/stop-start", "started", "a Start the platform reports Failed", "ended Failed", onOperation("start", opFailed), nil},
	{"operations", "operations/stop-start", "identity", "a slave that comes back reporting brokerId 3", "came back with brokerId=3", setConfig(ordinalAt(1), "brokerId", "3"), nil},
	{"operations", "operations/stop-start", "registered", "a namesrv that does not list a broker again", "planted-namesrv", notRegisteredAgain, nil},
	{"operations", "operations/stop-start", "labels-settle", "a platform that labels the slave master after the Start", "is labelled master, but the namesrvs list", labelOnFollower, nil},
	{"operations", "operations/stop-start", "writes-window", "a send that failed before the Stop", "failed outside the Stop and Start", failedBeforeFault, nil},
	{"operations", "operations/stop-start", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"operations", "operations/stop-start", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	// operations/vertical-scale: one raising and restoring, judged again per row
	{"rolling", "operations/vertical-scale", "succeeded", "a VerticalScaling the platform reports Failed", "ended Failed", onBrokerRestart(restartFailed), nil},
	{"rolling", "operations/vertical-scale", "once-each", "a scaling that starts the first pod twice", "started 2 times", onBrokerRestart(firstPodTwice), nil},
	{"rolling", "operations/vertical-scale", "order", "a scaling that starts a master before its slave is Ready", "before", onBrokerRestart(masterFirst), nil},
	{"rolling", "operations/vertical-scale", "resources", "a slave left with a 1Gi limit", "runs with a 1Gi memory limit", onPodRun(func(r *target.PodRun) { r.MemoryLimit = "1Gi" }), nil},
	{"rolling", "operations/vertical-scale", "heap", "a slave whose JVM kept a 999m heap", "runs its JVM with -Xms999m", onPodRun(func(r *target.PodRun) { r.JVMFlags = []string{"-Xms999m", "-Xmx999m"} }), nil},
	{"rolling", "operations/vertical-scale", "identity", "a slave that comes back reporting brokerId 3", "came back with brokerId=3", setConfig(ordinalAt(1), "brokerId", "3"), nil},
	{"rolling", "operations/vertical-scale", "writes-window", "a send that failed before the scaling", "failed outside the restart", failedBeforeFault, nil},
	{"rolling", "operations/vertical-scale", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"rolling", "operations/vertical-scale", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	// operations/namesrv-scale: one scale-out and scale-in, judged again per row
	{"rolling", "operations/namesrv-scale", "succeeded", "a HorizontalScaling the platform reports Failed", "ended Failed", onOperation("horizontal scaling", opFailed), nil},
	{"rolling", "operations/namesrv-scale", "members", "a scaling that started from a namesrv at ordinal 7", "expected", onOperation("horizontal scaling", func(op *target.Operation) { op.Pods = append(op.Pods, "rocketmq-cluster-namesrv-7") }), nil},
	{"rolling", "operations/namesrv-scale", "brokers-list", "a slave that lists a namesrv there is not", "listed that is no namesrv there is", setConfig(ordinalAt(1), "namesrvAddr", "127.0.0.1:1"), nil},
	{"rolling", "operations/namesrv-scale", "registered", "a namesrv that does not list a broker", "planted-namesrv", notRegisteredAgain, nil},
	{"rolling", "operations/namesrv-scale", "new-namesrv-serves", "sends through the added namesrv that fail", "through the added namesrv alone, a send to", newNamesrvFails, nil},
	{"rolling", "operations/namesrv-scale", "writes", "a send that failed after the scaling", "failed outside nothing", failedAfterFault, nil},
	{"rolling", "operations/namesrv-scale", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"rolling", "operations/namesrv-scale", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	// operations/replica-scale: one scale-out and scale-in, judged again per row
	// The labelled rows run their case afresh, and a fresh scaling changes
	// the bench's brokers (a shard-scale removes the shard whose name sorts
	// last): they come after the rows that judge the recorded run again,
	// whose plants pick brokers from the bench as it is.
	{"scaling", "operations/replica-scale", "succeeded", "a replica scaling the platform reports Failed", "ended Failed", onOperation("horizontal scaling of the broker", opFailed), nil},
	{"scaling", "operations/replica-scale", "new-slave", "a namesrv that does not list an added slave", "planted-namesrv", notRegisteredAgain, nil},
	{"scaling", "operations/replica-scale", "catch-up", "an added slave that never reaches its master", "planted: the catch-up probe failed", probeFails("catch-up"), nil},
	{"scaling", "operations/replica-scale", "removed", "a scale-in that leaves the added slaves serving", "expected the added", onOperation("horizontal scaling of the broker replicas by -1", addedKept), nil},
	{"scaling", "operations/replica-scale", "writes", "a send that failed after the scaling", "failed outside nothing", failedAfterFault, nil},
	{"scaling", "operations/replica-scale", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"scaling", "operations/replica-scale", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	{"scaling", "operations/replica-scale", "labelled", "a platform that labels roles but not the added slaves", `is labelled "", expected "slave"`, unlabelled, nil},
	// operations/volume-expand: on a test double of a platform whose volumes grow
	{"scaling", "operations/volume-expand", control, "nothing: a platform whose volumes grow (a test double)", "", expanding(nil), nil},
	{"scaling", "operations/volume-expand", "succeeded", "a VolumeExpansion the platform reports Failed", "ended Failed", expanding(onOperation("volume expansion", opFailed)), nil},
	{"scaling", "operations/volume-expand", "capacity", "a volume that reports 1Gi after the expansion to 2Gi", `reports "1Gi"`, expanding(onOperation("volume expansion", smallVolume)), nil},
	{"scaling", "operations/volume-expand", "stores-kept", "a store made anew across the expansion", "before the expansion and", expanding(onOperation("volume expansion", storeRecreated)), nil},
	{"scaling", "operations/volume-expand", "writes", "a send that failed after the expansion", "failed outside nothing", expanding(failedAfterFault), nil},
	{"scaling", "operations/volume-expand", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", expanding(ghostAck), nil},
	{"scaling", "operations/volume-expand", "no-duplicate", "a master read that returns one message twice", "duplicated 1", expanding(duplicateRead), nil},
	// operations/shard-scale: one scale-out and scale-in, judged again per row
	{"scaling", "operations/shard-scale", "succeeded", "a shard scaling the platform reports Failed", "ended Failed", onOperation("scaling of the broker shards", opFailed), nil},
	{"scaling", "operations/shard-scale", "new-shard", "a namesrv that does not list a broker of the new shard", "planted-namesrv", notRegisteredAgain, nil},
	{"scaling", "operations/shard-scale", "new-shard-serves", "a send to the new shard that fails", "a send to a topic created on the new shard", probeFails("new-shard"), nil},
	{"scaling", "operations/shard-scale", "routes-writable", "a send of the old topic that fails where it is routed", "which its route lists, failed", probeFails("route"), nil},
	{"scaling", "operations/shard-scale", "removed", "a scale-in that removes every shard", "KubeBlocks 1.0.2 removes", onOperation("scaling of the broker shards by -1", func(op *target.Operation) { op.Shards = nil }), nil},
	{"scaling", "operations/shard-scale", "writes", "a send that failed after the scale-out", "failed outside nothing", failedAfterFault, nil},
	{"scaling", "operations/shard-scale", "no-acked-loss", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck, nil},
	{"scaling", "operations/shard-scale", "no-duplicate", "a master read that returns one message twice", "duplicated 1", duplicateRead, nil},
	{"scaling", "operations/shard-scale", "labelled", "a platform that labels roles but not the new shard", `is labelled "", expected "master"`, unlabelled, nil},
	// management: the faithful fakes pass, in both modes
	{"conforming", "management/exporter", control, "exporter", "", managed(mgmtFaults{}), nil},
	{"conforming", "management/dashboard", control, "dashboard", "", managed(mgmtFaults{}), nil},
	{"acl", "management/exporter", control, "exporter", "", managed(mgmtFaults{}), nil},
	{"acl", "management/dashboard", control, "dashboard", "", managed(mgmtFaults{}), nil},
	// management/exporter
	{"conforming", "management/exporter", "metrics-text", "an exporter that answers an HTML error page", "not a Prometheus text page", managed(mgmtFaults{notText: true}), nil},
	{"conforming", "management/exporter", "producer-offset", "a metrics page missing a shard", "rocketmq_producer_offset{topic=", managed(mgmtFaults{dropShardOffset: true}), nil},
	{"conforming", "management/exporter", "commitlog-diff", "a metrics page missing a slave's commit log diff", "no rocketmq_broker_commitlog_diff", managed(mgmtFaults{dropSlaveDiff: true}), nil},
	// management/dashboard
	{"conforming", "management/dashboard", "cluster-list", "a dashboard without a slave", `lists "" at id 1`, managed(mgmtFaults{dropSlave: true}), nil},
	{"acl", "management/dashboard", "login-required", "a dashboard that requires no login in ACL mode", "says no login is required", managed(mgmtFaults{loginOpen: true}), nil},
	{"acl", "management/dashboard", "console-login", "a dashboard whose users.properties holds another password", "login as console-admin", managed(mgmtFaults{otherPassword: true}), nil},
	{"acl", "management/dashboard", "wrong-password", "a login that succeeds with a wrong password", "logged in with a wrong password", managed(mgmtFaults{anyPassword: true}), nil},
	// accounts/acl-enforced
	{"acl", "accounts/acl-enforced", control, "ACL as the addon writes it", "", nil, nil},
	{"acl-whitelist-wide", "accounts/acl-enforced", "unsigned-refused", "a whitelist that covers the suite's address", "accepted an unsigned request from outside the whitelist", nil, []string{"wrong-secret-refused"}},
	{"acl", "accounts/acl-enforced", "unsigned-refused", "the request meant to be unsigned goes out signed", "accepted an unsigned request from outside the whitelist", signsUnsigned, nil},
	{"acl-account-whitelist", "accounts/acl-enforced", "wrong-secret-refused", "an account whitelisted for the suite's address", "accepted a request signed with a wrong secret", nil, nil},
	{"acl-other-secret", "accounts/acl-enforced", "account-works", "an account whose secret is not the Secret's", "refused a request signed with shard", nil, nil},
	{"acl-not-admin", "accounts/acl-enforced", "account-works", "an account that is not admin", "Need admin permission", nil, nil},
	{"acl", "accounts/acl-enforced", "namesrv-unsigned", "a namesrv that answers as an ACL broker does", "refused an unsigned request", namesrvIsABroker, nil},
	// accounts/no-leak: a secret in a written file that escaped redaction,
	// through the same reports.Complete every command uses.
	{"reports", "accounts/no-leak", "no-secret", "a diagnostics collector that writes a password outside diagnostics/", "in leaked.log line 2", nil, nil},
}

// driftedRows are the rows of the clause every case that walks the brokers
// holds: a target whose labels drifted so that it lists no broker.
func driftedRows() []plant {
	var out []plant
	for _, c := range scenarios.All() {
		if !slices.ContainsFunc(c.Clauses, func(cl verdict.Clause) bool { return cl.ID == "brokers" }) {
			continue
		}
		b := "conforming"
		switch {
		case c.OnlyIn.ACL:
			b = "acl"
		case c.OnlyIn.DLedger:
			b = "dledger"
		case c.ID() == "operations/vertical-scale" || c.ID() == "operations/namesrv-scale":
			b = "rolling"
		case c.Suite == "operations":
			b = "operations"
		}
		e := edge(noShards)
		if c.Suite == "management" {
			e = managed(mgmtFaults{noShards: true})
		}
		out = append(out, plant{b, c.ID(), "brokers", "labels drifted: the target lists no broker", "the target lists 0 broker shards", e, nil})
	}
	return out
}

// allPlants is the whole RocketMQ table.
func allPlants() []plant { return append(append([]plant(nil), table...), driftedRows()...) }

// TestEveryClauseHasAPlant: every clause of every case has a row (the
// object cases' in testenv.Deviations) that makes it fail alone, and
// every row names clauses its case has, on a bench that exists.
func TestEveryClauseHasAPlant(t *testing.T) {
	alone := map[string]bool{}
	known := map[string]bool{}
	for _, c := range scenarios.All() {
		for _, cl := range c.Clauses {
			known[verdict.ClauseID(c.ID(), cl.ID)] = true
		}
		if len(c.Clauses) == 0 {
			t.Errorf("%s lists no clauses", c.ID())
		}
	}
	for _, p := range allPlants() {
		if _, ok := benches[p.bench]; !ok && p.bench != "reports" {
			t.Errorf("%s %q: no bench %q", p.caseID, p.clause, p.bench)
		}
		for _, id := range p.wants() {
			if !known[id] {
				t.Errorf("a plant names %q, which no case lists", id)
			}
		}
		if w := p.wants(); len(w) == 1 {
			alone[w[0]] = true
		}
	}
	for id := range objectAlone() {
		if !known[id] {
			t.Errorf("a deviation names %q, which no case lists", id)
		}
		alone[id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(known)) {
		if !alone[id] {
			t.Errorf("clause %s has no planted fault that makes it fail alone", id)
		}
	}
}

// TestPlanted is the planted tier: the table, bench by bench, as
// TestPlanted/<bench> (light benches as TestPlanted/light/<bench>). It
// runs when RMQKB_PLANTED=1. Busy benches take turns in their lane, each
// lane holding its lock, the lanes side by side; light ones run side by
// side in their turn; idle ones wait out RocketMQ's timers beside them
// all. Every topology that starts with the tier starts at once: the expiry
// bench started once conforming was up instead, and its five brokers'
// start then slowed conforming's first rows by more than its own start
// gained (24 s against 4, 2026-12-08).
func TestPlanted(t *testing.T) {
	testenv.PlantedTier(t)
	byKind := map[benchKind][]string{}
	for _, name := range slices.Sorted(maps.Keys(benches)) {
		byKind[benches[name].kind] = append(byKind[benches[name].kind], name)
	}
	for _, l := range lanes {
		testenv.LockNamed(t, l.lock)
	}
	var wg sync.WaitGroup
	for _, name := range byKind[idle] {
		wg.Go(func() { t.Run(name, func(t *testing.T) { runBench(t, name, testenv.IdleLock, nil) }) })
	}
	for _, l := range lanes {
		wg.Go(func() { runLane(t, l, byKind[light]) })
	}
	wg.Wait()
}

// runLane runs the lane's benches in turn, starting its ahead benches'
// topologies at once.
func runLane(t *testing.T, l lane, lights []string) {
	waiting := map[string]*waitingBench{}
	for _, name := range l.ahead {
		w := &waitingBench{turn: make(chan struct{}), done: make(chan struct{})}
		waiting[name] = w
		go func() {
			defer close(w.done)
			t.Run(name, func(t *testing.T) { runBench(t, name, "", func() { <-w.turn }) })
		}()
	}
	for _, name := range l.benches {
		switch w := waiting[name]; {
		case name == lightTurn:
			t.Run(name, func(t *testing.T) { runSideBySide(t, lights, lightSlots) })
		case w != nil:
			close(w.turn)
			<-w.done
		default:
			t.Run(name, func(t *testing.T) { runBench(t, name, "", nil) })
		}
	}
}

// waitingBench is a bench started ahead of its turn: turn closes when it
// is, done when its rows have run.
type waitingBench struct {
	turn, done chan struct{}
}

// TestEveryBusyBenchHasALane: a busy bench in no lane would never run.
func TestEveryBusyBenchHasALane(t *testing.T) {
	seen := map[string]int{}
	lights := 0
	for _, l := range lanes {
		for _, name := range l.benches {
			if name == lightTurn {
				lights++
				continue
			}
			seen[name]++
		}
	}
	for name, b := range benches {
		if b.kind == busy && seen[name] != 1 {
			t.Errorf("busy bench %s is in %d lanes, want 1", name, seen[name])
		}
		if b.kind != busy && seen[name] > 0 {
			t.Errorf("bench %s is not busy but in a lane", name)
		}
	}
	for name := range seen {
		if _, ok := benches[name]; !ok {
			t.Errorf("lane bench %s is not a bench", name)
		}
	}
	for _, l := range lanes {
		for _, name := range l.ahead {
			if !slices.Contains(l.benches, name) {
				t.Errorf("bench %s starts ahead in a lane that never gives it its turn", name)
			}
		}
	}
	if lights != 1 {
		t.Errorf("%d lanes run the light benches, want 1", lights)
	}
}

// lightSlots is how many light benches run at once.
const lightSlots = 4

// runSideBySide runs the benches names, slots at a time, in their lane's
// turn (the lane holds its lock).
func runSideBySide(t *testing.T, names []string, slots int) {
	sem := make(chan struct{}, slots)
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(name, func(t *testing.T) { runBench(t, name, "", nil) })
		})
	}
	wg.Wait()
}

// rowsOf lists the rows of bench name, in table order.
func rowsOf(name string) []plant {
	var rows []plant
	for _, p := range allPlants() {
		if p.bench == name {
			rows = append(rows, p)
		}
	}
	return rows
}

// runBench starts bench name under lock ("" for none), calls up (when
// not nil) once its topology is up, and runs its rows.
func runBench(t *testing.T, name, lock string, up func()) {
	b := benches[name]
	rows := rowsOf(name)
	if len(rows) == 0 {
		t.Fatalf("bench %s has no plants", name)
	}
	m := manifests.DefaultCluster().WithMode(b.mode).WithShape(b.shards, b.replicas).WithNamesrvs(max(1, b.namesrvs))
	c := testenv.StartUnder(t, lock, m, b.opts...)
	if up != nil {
		up()
	}
	if b.kind == idle {
		runTogether(t, c, rows)
		return
	}
	runInTurn(t, c, rows)
}

// runInTurn runs rows one after another. Rows whose fault is the bench
// share one run of their case. Rows whose fault acts only on a
// judgement share one session per bench, in which every such case first
// runs unplanted and must pass (its control: the recorded run is
// sound), and each row then judges that record again with its fault.
// Every other row runs its case afresh.
func runInTurn(t *testing.T, c *local.Cluster, rows []plant) {
	faulty := map[string]bool{} // cases the bench itself breaks
	for _, p := range rows {
		if p.edge == nil && p.clause != control {
			faulty[p.caseID] = true
		}
	}
	record := scenarios.NewSession(c)
	controlled := map[string]bool{}
	shared := map[string]verdict.Result{}
	for _, p := range rows {
		t.Run(p.caseID+"#"+p.clause, func(t *testing.T) {
			switch pl, rejudge := p.rejudges(c); {
			case p.edge == nil:
				r, ok := shared[p.caseID]
				if !ok {
					r = runCase(t, c, scenarios.NewSession(c), p.caseID, planted{})
					shared[p.caseID] = r
				}
				expect(t, p, r)
			case rejudge && !faulty[p.caseID]:
				if !controlled[p.caseID] {
					controlled[p.caseID] = true
					r := runCase(t, c, record, p.caseID, planted{})
					expect(t, plant{bench: p.bench, caseID: p.caseID, clause: control, fault: "nothing: the run the rows judge again"}, r)
				}
				expect(t, p, runCase(t, c, record, p.caseID, pl))
			default:
				expect(t, p, runCase(t, c, scenarios.NewSession(c), p.caseID, pl))
			}
		})
	}
}

// runTogether runs every row at once, each in a session of its own, and
// then checks each: rows that wait minutes on RocketMQ's timers wait
// together.
func runTogether(t *testing.T, c *local.Cluster, rows []plant) {
	results := make([]verdict.Result, len(rows))
	var wg sync.WaitGroup
	for i, p := range rows {
		pl := planted{}
		if p.edge != nil {
			pl = p.edge(c)
		}
		wg.Go(func() { results[i] = runCase(t, c, scenarios.NewSession(c), p.caseID, pl) })
	}
	wg.Wait()
	for i, p := range rows {
		t.Run(p.caseID+"#"+p.clause, func(t *testing.T) { expect(t, p, results[i]) })
	}
}

// runCase runs case id in session s with pl planted, and waits until the
// bench is whole again for the next row.
func runCase(t *testing.T, c *local.Cluster, s *scenarios.Session, id string, pl planted) verdict.Result {
	t.Helper()
	cases, err := scenarios.Select("^" + regexp.QuoteMeta(id) + "$")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	if pl.target != nil {
		s = scenarios.NewSession(pl.target)
	}
	// Select adds the gate (cluster/ready) before a live case; the row
	// judges its own case alone, on a bench the harness keeps ready.
	i := slices.IndexFunc(cases, func(c scenarios.Case) bool { return c.ID() == id })
	var r verdict.Result
	if pl.beside != "" {
		tgt := target.Target(c)
		if pl.target != nil {
			tgt = pl.target
		}
		r = runBeside(t, ctx, tgt, cases[i], pl)
	} else {
		r = s.RunWith(ctx, cases[i], pl.plants)
	}
	pl.restore()
	if err := c.AwaitReady(ctx); err != nil {
		t.Errorf("the bench did not come back whole after the plant: %v", err)
	}
	return r
}

// runBeside runs c with the case pl.beside on tgt, in one session that
// creates their topics ahead and performs their shared runs first in the
// suite's setup (Prepare), as a run of the suite does, and returns c's
// result; the case beside must pass.
func runBeside(t *testing.T, ctx context.Context, tgt target.Target, c scenarios.Case, pl planted) verdict.Result {
	t.Helper()
	other, err := scenarios.Select("^" + regexp.QuoteMeta(pl.beside) + "$")
	if err != nil {
		t.Fatal(err)
	}
	o := other[slices.IndexFunc(other, func(k scenarios.Case) bool { return k.ID() == pl.beside })]
	both := []scenarios.Case{c, o}
	s := scenarios.NewSession(tgt, scenarios.WithSelection(both))
	s.Prepare(ctx, both, t.Logf)
	if r := s.RunWith(ctx, o, pl.plants); r.Status != verdict.Passed {
		t.Errorf("%s, run beside, %s: %s\nevidence: %s", pl.beside, r.Status, r.Observed, strings.Join(r.Evidence, " | "))
	}
	return s.RunWith(ctx, c, pl.plants)
}

// expect checks that the row's case failed exactly the clauses it wants,
// saying what the row wants; a control row's case must pass.
func expect(t *testing.T, p plant, r verdict.Result) {
	t.Helper()
	said := r.Observed + "\n" + strings.Join(r.Evidence, "\n")
	if p.clause == control {
		if r.Status != verdict.Passed {
			t.Fatalf("%s: %s on %s with %s, want passed\nobserved: %s\nevidence: %s", p.caseID, r.Status, p.bench, p.fault, r.Observed, strings.Join(r.Evidence, " | "))
		}
		return
	}
	if r.Status != verdict.Failed {
		t.Fatalf("planted %s: %s %s, want failed %v saying %q\nobserved: %s\nevidence: %s", p.fault, p.caseID, r.Status, p.wants(), p.want, r.Observed, strings.Join(r.Evidence, " | "))
	}
	if !slices.Equal(r.FailedClauses, p.wants()) {
		t.Fatalf("planted %s: %s failed %v, want exactly %v:\n%s", p.fault, p.caseID, r.FailedClauses, p.wants(), said)
	}
	// What a failure says is its observation and the evidence with it
	// (where every lost message is named).
	if !strings.Contains(said, p.want) {
		t.Fatalf("planted %s: %s failed, but does not say %q:\n%s", p.fault, p.caseID, p.want, said)
	}
	t.Logf("planted %s: %s failed %v (%s): %s", p.fault, p.caseID, r.FailedClauses, r.Duration.Round(time.Millisecond), firstLine(r.Observed))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// objectAlone lists, as full clause IDs, the object clauses a deviating
// fixture of testenv.Deviations or testenv.LivePlants makes fail alone in
// its case. The audit tests (target/audit) and the API-server tests
// (target/kube) run them and assert each case's exact set of failed
// clauses.
func objectAlone() map[string]bool {
	out := map[string]bool{}
	add := func(fails map[string][]testenv.Expect) {
		for id, exps := range fails {
			if set := testenv.ExpectedClauses(id, exps); len(set) == 1 {
				out[set[0]] = true
			}
		}
	}
	for _, d := range testenv.Deviations {
		add(d.Fails)
	}
	for _, p := range testenv.LivePlants {
		add(p.Fails)
	}
	return out
}

// TestPlantedLeak is the accounts/no-leak row: a run on a dump whose
// diagnostics collector writes a password outside diagnostics/, where no
// redaction reaches it; reports.Complete must judge no-leak failed,
// naming the file and line, never the value, and turn the exit code to 1.
func TestPlantedLeak(t *testing.T) {
	dump := testenv.Dump(t, "broker-clusterip") // a failing run, so diagnostics are collected
	tgt, err := audit.New(dump, "demo", "rocketmq-cluster")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := scenarios.Select("^(layout/services|accounts/no-leak)$")
	if err != nil {
		t.Fatal(err)
	}
	run := verdict.Run{Target: "audit", Results: scenarios.Execute(context.Background(), tgt, cases)}
	dir := t.TempDir()
	password := testenv.PlantedPasswords[0]
	run, code, err := reports.Complete(context.Background(), run, reports.Finish{Dir: dir, Secrets: tgt.Secrets,
		Collect: func(_ context.Context, diag string) error {
			return os.WriteFile(filepath.Join(filepath.Dir(diag), "leaked.log"), []byte("first line\npassword="+password+"\n"), 0o644)
		}})
	if err != nil {
		t.Fatal(err)
	}
	var p plant
	for _, row := range table {
		if row.caseID == "accounts/no-leak" {
			p = row
		}
	}
	r := run.Results[len(run.Results)-1]
	expect(t, p, r)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if strings.Contains(r.Observed, password) {
		t.Error("no-leak quotes the value it found")
	}
}
