package scenarios_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/internal/audit"
	"github.com/rmqkb/conformance/internal/local"
	"github.com/rmqkb/conformance/internal/testenv"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/reports"
	"github.com/rmqkb/conformance/scenarios"
)

// The planted-fault table. Every clause of every case's promise
// (Case.Clauses) has a fault here that makes exactly that clause fail, and
// what the failure must say: a check that cannot fail is a defect. Faults
// are planted in a real RocketMQ topology where the broker can be made to
// misbehave (its config, a process killed, frozen or kept from
// replicating: a bench), and otherwise at the suite's edge (a consumer
// that drops one delivery, a sampler that stalls, a history with one
// acknowledgement that never happened). The object cases' faults are the
// deviating fixtures of testenv.Deviations, judged through the audit
// target. TestEveryClauseHasAPlant keeps the table complete; the
// TestPlanted runs it, one bench at a time.

// plant is one row of the table.
type plant struct {
	bench  string // the topology it runs on (benches)
	caseID string
	clause string // exactly as in the case's Clauses
	fault  string // what is planted, in words
	want   string // what the failure must say
	// edge plants the fault at the suite's edge, or wraps the target; it
	// returns the target to run on and the undo. Nil: the bench itself is
	// the fault.
	edge func(c *local.Cluster) (scenarios.Target, func())
}

// control is the clause of a row that plants nothing: the case must pass
// on the bench with that edge, as a check that what the fault rows change
// is all that fails them (for the fakes of parts that exist only as
// images).
const control = "control: nothing planted"

// bench is a topology some plants share: one start for all of them.
type bench struct {
	shards, replicas int
	opts             []local.Option
	mode             scenarios.Mode
}

// acl is an ACL-mode bench whose plain_acl.yml edit plants the fault.
func acl(edit func(*local.ACLFile)) bench {
	var opts []local.Option
	if edit != nil {
		opts = append(opts, local.WithACLFile(edit))
	}
	return bench{1, 2, opts, scenarios.Mode{ACL: true}}
}

var benches = map[string]bench{
	// A conforming topology: every fault on it is planted per row.
	"conforming": {2, 2, nil, scenarios.Mode{}},
	// Shards named as the seed names them, not as KubeBlocks does.
	"seed-names": {2, 1, []local.Option{local.WithShardNames("broker-0", "broker-1")}, scenarios.Mode{}},
	// A slave that registers in another cluster.
	"slave-elsewhere": {1, 2, brokerConfig(nil, nil, []string{"brokerClusterName=planted-elsewhere"}), scenarios.Mode{}},
	// A slave at brokerId 3 instead of its ordinal.
	"slave-id": {1, 2, brokerConfig(nil, nil, []string{"brokerId=3"}), scenarios.Mode{}},
	// Asynchronous flushing, topic auto-creation and a stray dLeger key:
	// three keys, two cases.
	"flush-autocreate": {1, 1, brokerConfig([]string{"flushDiskType=ASYNC_FLUSH", "autoCreateTopicEnable=true", "dLegerGroup=planted-group"}, nil, nil), scenarios.Mode{}},
	// A master that waits on a slave kept from replicating.
	"sync-master": {1, 2, brokerConfig(nil, []string{"brokerRole=SYNC_MASTER"}, []string{"haMasterAddress=127.0.0.1:1"}), scenarios.Mode{}},
	// A slave kept from replicating: its HA client dials where no master is.
	"slave-blocked": {1, 2, brokerConfig(nil, nil, []string{"haMasterAddress=127.0.0.1:1"}), scenarios.Mode{}},
	// Brokers that refuse bodies over 8 bytes.
	"tiny-messages": {1, 2, brokerConfig([]string{"maxMessageSize=8"}, nil, nil), scenarios.Mode{}},
	// A limit below the addon's, and one above it.
	"limit-1M":  {1, 1, brokerConfig([]string{"maxMessageSize=1048576"}, nil, nil), scenarios.Mode{}},
	"limit-10M": {1, 1, brokerConfig([]string{"maxMessageSize=10485760"}, nil, nil), scenarios.Mode{}},
	// Brokers that create no subscription group on a consumer's first pull.
	"no-group-autocreate": {1, 1, brokerConfig([]string{"autoCreateSubscriptionGroup=false"}, nil, nil), scenarios.Mode{}},
	// Read-only brokers.
	"read-only": {1, 1, brokerConfig([]string{"brokerPermission=4"}, nil, nil), scenarios.Mode{}},
	// A master whose store does not survive its recreation (a lost PVC).
	"lost-volume": {1, 1, []local.Option{local.WithOnRecreate(lostStore)}, scenarios.Mode{}},
	// A master that comes back as someone else and without its topics, so
	// it refuses every write to them (a read-only broker would not: 4.9
	// enforces brokerPermission on sends to ordered topics only).
	"master-recreated": {1, 2, []local.Option{local.WithOnRecreate(both(
		onMaster(appendConf("brokerRole=SYNC_MASTER")), onMaster(lostTopics)))}, scenarios.Mode{}},
	// A slave that comes back at another brokerId, kept from replicating.
	"slave-recreated": {1, 2, []local.Option{local.WithOnRecreate(onSlave(appendConf("brokerId=3", "haMasterAddress=127.0.0.1:1")))}, scenarios.Mode{}},
	// Brokers that register every 10 s instead of 30 s.
	"period-10s": {1, 1, brokerConfig([]string{"registerNameServerPeriod=10000"}, nil, nil), scenarios.Mode{}},
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
	"dledger-group": dledger(brokerConfig([]string{"dLegerGroup=planted-group"}, nil, nil)...),
	// A killed member that comes back naming only itself as peer: a second
	// leader of its shard. One bench per case, as the bench stays split.
	"dledger-split":       dledger(local.WithOnRecreate(soloPeers)),
	"dledger-split-churn": dledger(local.WithOnRecreate(soloPeers)),
	// A conforming shard for the stale-broker cases, which wait minutes on
	// the namesrv's expiry: idle, it runs beside the other benches.
	"expiry": {1, 2, nil, scenarios.Mode{}},
}

// idleBenches wait on RocketMQ's timers rather than drive load: they
// start under testenv.IdleLock and run beside the others.
var idleBenches = map[string]bool{"expiry": true}

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
	{"seed-names", "routing/brokers-registered", "shards are named broker-<3 characters>", "shards named broker-0 and broker-1", `shard "broker-0" is not named broker-<3 characters>`, nil},
	{"slave-elsewhere", "routing/brokers-registered", "only the Cluster's name is registered", "a slave in cluster planted-elsewhere", `lists cluster "planted-elsewhere"`, nil},
	{"slave-elsewhere", "routing/brokers-registered", "each broker's own config names its cluster, shard and brokerId", "a slave in cluster planted-elsewhere", `brokerClusterName="planted-elsewhere"`, nil},
	{"slave-id", "routing/brokers-registered", "each broker is registered at the brokerId its role gives it, at its address", "a slave at brokerId 3", `brokerId 1 is ""`, nil},
	{"conforming", "routing/brokers-registered", "each broker is registered at the brokerId its role gives it, at its address", "the target advertises a slave at another port", "expected 127.0.0.1:1", advertisedElsewhere},
	{"conforming", "routing/brokers-registered", "nothing but the Cluster's shards is registered", "the Cluster asks for one shard fewer than run", "which is no shard of this cluster", oneShardHidden},
	// routing/topic-create
	{"flush-autocreate", "routing/topic-create", "no template topic TBW102 exists", "autoCreateTopicEnable=true", "TBW102", nil},
	{"flush-autocreate", "routing/topic-create", "a send to an uncreated topic fails and creates no route", "autoCreateTopicEnable=true", "succeeded", nil},
	{"read-only", "routing/topic-create", "a created topic is routed read-write to every shard with the queues asked for", "read-only brokers", "not read-write", nil},
	{"tiny-messages", "routing/topic-create", "each shard takes a write to the created topic", "brokers that refuse bodies over 8 bytes", "write to conformance-topic-", nil},
	// messaging/round-trip
	{"tiny-messages", "messaging/round-trip", "every send is acknowledged", "brokers that refuse bodies over 8 bytes", "CODE: 13", nil},
	{"conforming", "messaging/round-trip", "no acknowledged message is lost", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck},
	{"no-group-autocreate", "messaging/round-trip", "every acknowledged message is delivered", "autoCreateSubscriptionGroup=false", "held by the brokers but were never delivered", nil},
	{"conforming", "messaging/round-trip", "every acknowledged message is delivered", "the all-tags consumer drops one delivery", "undelivered 1", dropOne("all-tags")},
	{"conforming", "messaging/round-trip", "each message is delivered once", "the all-tags consumer gets one message twice", "duplicated 1", duplicateOne("all-tags")},
	{"conforming", "messaging/round-trip", "keys, tag and body arrive intact", "one body changed on the way", "arrived changed", changeBody},
	{"conforming", "messaging/round-trip", "user properties arrive intact", "one property changed on the way", "property conformance-seq=", changeProperty},
	{"conforming", "messaging/round-trip", "each queue is delivered in send order", "two deliveries of a queue swapped", "out of send order", swapTwo},
	{"conforming", "messaging/round-trip", "a tag subscription receives only its tag", "the TagA consumer gets a message retagged TagB", `with tag "TagB"`, retag},
	{"conforming", "messaging/round-trip", "a tag subscription receives all of its tag", "the TagA consumer drops one delivery", "the TagA subscription missed 1", dropOne("TagA")},
	// messaging/consumer-groups
	{"tiny-messages", "messaging/consumer-groups", "every send is acknowledged", "brokers that refuse bodies over 8 bytes", "CODE: 13", nil},
	{"conforming", "messaging/consumer-groups", "no acknowledged message is lost", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck},
	{"conforming", "messaging/consumer-groups", "each message reaches exactly one clustering member", "clustering member clu-1 gets one message twice", "duplicated 1", duplicateOne("clu-1")},
	{"conforming", "messaging/consumer-groups", "each clustering member consumes some queues", "clustering member clu-2 loses every delivery", "the clustering group did not split", dropAll("clu-2")},
	{"no-group-autocreate", "messaging/consumer-groups", "every broadcasting member receives every message", "autoCreateSubscriptionGroup=false", "held by the brokers but were never delivered", nil},
	{"conforming", "messaging/consumer-groups", "every broadcasting member receives every message", "broadcasting member bro-2 drops one delivery", "undelivered 1", dropOne("bro-2")},
	{"conforming", "messaging/consumer-groups", "no broadcasting member receives a message twice", "broadcasting member bro-1 gets one message twice", "duplicated 1", duplicateOne("bro-1")},
	// messaging/message-size
	{"limit-1M", "messaging/message-size", "every broker runs with maxMessageSize 5242880", "maxMessageSize=1048576", "maxMessageSize=1048576", nil},
	{"limit-1M", "messaging/message-size", "a body of exactly the limit is accepted", "maxMessageSize=1048576", "(the addon's limit) was rejected", nil},
	{"conforming", "messaging/message-size", "the accepted body reads back intact", "one byte of the body changed on the way back", "intact", corruptBigRead},
	{"limit-10M", "messaging/message-size", "one byte more is rejected with MESSAGE_ILLEGAL", "maxMessageSize=10485760", "one over the limit, was accepted", nil},
	{"limit-10M", "messaging/message-size", "the rejected message takes no queue offset", "maxMessageSize=10485760", "the over-limit message was stored", nil},
	// replication/roles
	{"sync-master", "replication/roles", "default mode: masters run as ASYNC_MASTER with brokerId 0", "brokerRole=SYNC_MASTER", "brokerRole=SYNC_MASTER", nil},
	{"slave-id", "replication/roles", "default mode: slaves run as SLAVE with brokerId = ordinal", "a slave at brokerId 3", "brokerId=3", nil},
	{"flush-autocreate", "replication/roles", "every broker runs flushDiskType=SYNC_FLUSH", "flushDiskType=ASYNC_FLUSH", "flushDiskType=ASYNC_FLUSH", nil},
	{"flush-autocreate", "replication/roles", "every broker runs autoCreateTopicEnable=false", "autoCreateTopicEnable=true", "autoCreateTopicEnable=true", nil},
	{"flush-autocreate", "replication/roles", "default mode: DLedger is off, with no dLeger keys and nothing on the DLedger port", "dLegerGroup set with DLedger off", "dLegerGroup=planted-group, but DLedger is off", nil},
	{"conforming", "replication/roles", "default mode: DLedger is off, with no dLeger keys and nothing on the DLedger port", "a listener on a broker's DLedger port", "something listens on its DLedger port", listenerOnDLedgerPort},
	{"dledger", "replication/roles", "DLedger mode: each shard has one leader, SYNC_MASTER at brokerId 0 in every namesrv", "a platform that names a follower leader", "at brokerId 0 of", wrongLeader},
	{"dledger", "replication/roles", "DLedger mode: followers run as SLAVE at brokerId = member index + 1", "a follower at brokerId 7", "brokerId=7, the addon sets", followerAtID7},
	{"dledger-group", "replication/roles", "DLedger mode: every member has the dLeger keys as the addon writes them", "dLegerGroup=planted-group", "dLegerGroup=planted-group, the addon sets", nil},
	{"dledger", "replication/roles", "DLedger mode: every member names the same peers", "a follower that names a fourth peer", "name different peers", followerWithOwnPeers},
	{"conforming", "replication/roles", "a platform role label agrees with the broker's role", "a platform that labels a slave master", `role label "master", expected "slave"`, mislabelledSlave},
	// replication/async-catch-up
	{"sync-master", "replication/async-catch-up", "writes are acknowledged without waiting for the slave", "a SYNC_MASTER whose slave does not replicate", "SLAVE_NOT_AVAILABLE", nil},
	{"conforming", "replication/async-catch-up", "the lag is sampled throughout the writes", "a sampler that stalls", "it was not measured", stalledSampler},
	{"slave-blocked", "replication/async-catch-up", "each slave catches up within 20 s", "a slave kept from replicating", "did not catch up within 20s", nil},
	// replication/slave-content
	{"tiny-messages", "replication/slave-content", "every send is acknowledged", "brokers that refuse bodies over 8 bytes", "CODE: 13", nil},
	{"conforming", "replication/slave-content", "every acknowledged message is read from its master", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck},
	{"slave-blocked", "replication/slave-content", "each slave serves as many messages as its master", "a slave kept from replicating", "serves 0", nil},
	{"conforming", "replication/slave-content", "each slave serves the same key and body at the same offset", "a slave read whose first key changed on the way", "slave rocketmq-cluster-broker-", changeSlaveKey},
	// failover/kill-master
	{"conforming", "failover/kill-master", "default mode: where a platform labels roles, the shard's labels settle again to one master, the broker registered at brokerId 0", "a platform that labels the slave master", "is labelled master, but the namesrvs list", leaderLabelOnFollower},
	{"master-recreated", "failover/kill-master", "default mode: the master returns as brokerId 0 ASYNC_MASTER of its shard", "the master comes back as SYNC_MASTER", "came back with brokerRole=SYNC_MASTER", nil},
	{"lost-volume", "failover/kill-master", "default mode: the master returns on its store", "the master's store is lost on recreation", "(it never covered the acknowledged offsets)", nil},
	{"conforming", "failover/kill-master", "no acknowledged message is lost", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck},
	{"conforming", "failover/kill-master", "no acknowledged message is read back twice", "a master read that returns one message twice", "duplicated 1", duplicateRead},
	{"conforming", "failover/kill-master", "no send fails outside the fault window", "a send to the other shard that failed after the fault", "failed outside the fault window", failedAfterFault},
	{"master-recreated", "failover/kill-master", "default mode: the shard takes writes again within one route refresh", "the master comes back without its topics", "took no write within 35s", nil},
	{"dledger", "failover/kill-master", "DLedger mode: a survivor is elected leader within 30 s", "the kill freezes the survivors", "elected no new leader within", survivorsFrozen},
	{"dledger", "failover/kill-master", "DLedger mode: the shard takes writes again within the election and one route refresh", "the topic turned read-only on the member elected next", "took no write within", readOnlyAfterKill},
	{"dledger-split", "failover/kill-master", "DLedger mode: the killed leader returns as a follower", "the victim comes back naming only itself as peer", "came back with brokerRole=SYNC_MASTER", nil},
	{"dledger", "failover/kill-master", "DLedger mode: the master label is on the registered leader after the election", "a platform that labels a follower master", "is labelled master, but the namesrvs list", leaderLabelOnFollower},
	{"dledger", "failover/kill-master", "DLedger mode: every follower serves its leader's messages at their offsets", "a follower read whose first key changed on the way", "does not serve", changeFollowerKey},
	// failover/leader-churn, one election each
	{"dledger", "failover/leader-churn", "a survivor is elected leader after every kill", "the kill freezes the survivors", "elected no new leader within", oneRound(survivorsFrozen)},
	{"dledger-split-churn", "failover/leader-churn", "every killed leader returns as a follower", "the victim comes back naming only itself as peer", "came back with brokerRole=SYNC_MASTER", oneRound(nil)},
	{"dledger", "failover/leader-churn", "the master label is on the registered leader after every election", "a platform that labels a follower master", "is labelled master, but the namesrvs list", oneRound(leaderLabelOnFollower)},
	{"dledger", "failover/leader-churn", "no acknowledged message is lost", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", oneRound(ghostAck)},
	{"dledger", "failover/leader-churn", "no acknowledged message is read back twice", "a leader read that returns one message twice", "duplicated 1", oneRound(duplicateRead)},
	{"dledger", "failover/leader-churn", "every follower serves its leader's messages at their offsets", "a follower read whose first key changed on the way", "does not serve", oneRound(changeFollowerKey)},
	// failover/read-from-slave
	{"slave-blocked", "failover/read-from-slave", "the slave held what was acknowledged before the kill", "a slave kept from replicating", "did not replicate its master", nil},
	{"conforming", "failover/read-from-slave", "while the master is down, the slave serves every replicated message", "a slave read that comes back one message short", "replicated messages of", dropSlaveRead},
	// failover/other-shards-write
	{"conforming", "failover/other-shards-write", "every other shard keeps accepting writes, none failing", "the kill also freezes the other shard's master", "did not keep accepting writes", killFreezesOtherMaster},
	// failover/kill-slave
	{"conforming", "failover/kill-slave", "where a platform labels roles, the shard's labels settle again to one master, the broker registered at brokerId 0", "a platform that labels the slave master", "is labelled master, but the namesrvs list", leaderLabelOnFollower},
	{"conforming", "failover/kill-slave", "every shard keeps accepting writes, no send failing", "the kill also freezes the other shard's master", "did not keep accepting writes", killFreezesOtherMaster},
	{"slave-recreated", "failover/kill-slave", "the slave returns as SLAVE with its brokerId and brokerName", "the slave comes back at brokerId 3", "came back with brokerId=3", nil},
	{"slave-recreated", "failover/kill-slave", "the slave catches up within 20 s", "the slave comes back kept from replicating", "did not catch up", nil},
	{"conforming", "failover/kill-slave", "no acknowledged message is lost", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck},
	{"conforming", "failover/kill-slave", "no acknowledged message is read back twice", "a master read that returns one message twice", "duplicated 1", duplicateRead},
	// routing/namesrv-independence
	{"conforming", "routing/namesrv-independence", "every namesrv holds every broker and the topic's route on its own", "the second namesrv does not list a slave", "does not hold the whole registration on its own", namesrvMissesASlave},
	{"conforming", "routing/namesrv-independence", "with a namesrv down, new clients given every address send to every shard", "the second namesrv answers with the first's routes", "could not send", secondNamesrvProxiesFirst},
	{"conforming", "routing/namesrv-independence", "with a namesrv down, new clients receive every acknowledged message", "a consumer that drops one delivery", "did not receive every acknowledged message", dropOne("nsi")},
	{"conforming", "routing/namesrv-independence", "the surviving namesrvs' routes do not change while one is down", "a slave that goes down with the namesrv", "changed its route", namesrvTakesASlave},
	// routing/stale-broker-expiry
	{"expiry", "routing/stale-broker-expiry", "where a platform labels roles, the shard's labels settle again to one master, the broker registered at brokerId 0", "a platform that labels the slave master", "is labelled master, but the namesrvs list", leaderLabelOnFollower},
	{"expiry", "routing/stale-broker-expiry", "a frozen broker stays listed while its last registration is younger than 120 s", "a freeze that kills the broker", "was removed from the namesrvs", freezeKills},
	{"expiry", "routing/stale-broker-expiry", "a frozen broker is removed from every namesrv's cluster and routes by the expiry bound", "a freeze that leaves the broker heart-beating", "was not removed from every namesrv", freezeMisses},
	{"expiry", "routing/stale-broker-expiry", "after a thaw it registers again within one period, with its identity and its data", "a thaw that leaves the broker frozen", "did not register again within one period", thawMisses},
	// failover/freeze-master
	{"conforming", "failover/freeze-master", "where a platform labels roles, the shard's labels settle again to one master, the broker registered at brokerId 0", "a platform that labels the slave master", "is labelled master, but the namesrvs list", leaderLabelOnFollower},
	{"conforming", "failover/freeze-master", "the other shards keep accepting writes while a master is frozen, none failing", "the freeze takes the other shard's master too", "did not keep accepting writes", freezeTakesOtherMaster},
	{"conforming", "failover/freeze-master", "while the master is frozen, its slave serves every message replicated before the freeze", "a slave read that comes back one message short", "replicated messages of", dropSlaveRead},
	{"conforming", "failover/freeze-master", "no send fails outside the freeze window (the freeze until the shard takes writes again)", "a send to the other shard that failed after the fault", "failed outside the freeze window", failedAfterFault},
	{"conforming", "failover/freeze-master", "no acknowledged message is lost", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck},
	{"conforming", "failover/freeze-master", "no acknowledged message is read back twice", "a master read that returns one message twice", "duplicated 1", duplicateRead},
	// failover/namesrv-restart
	{"period-10s", "failover/namesrv-restart", "every broker runs with registerNameServerPeriod 30000", "registerNameServerPeriod=10000", "registerNameServerPeriod=10000", nil},
	{"conforming", "failover/namesrv-restart", "every broker registers again, routes included, within one period", "a slave frozen while the namesrv is down", "to register again", namesrvKillFreezesSlave},
	{"conforming", "failover/namesrv-restart", "writes go on from cached routes while it is down, no send failing", "a master frozen while the namesrv is down", "did not keep accepting writes", namesrvKillFreezesMaster},
	{"conforming", "failover/namesrv-restart", "no send fails before the kill", "a send that failed before the kill", "failed outside the restart window", failedBeforeFault},
	{"conforming", "failover/namesrv-restart", "no acknowledged message is lost", "an acknowledgement no broker holds", "lost planted-ghost: acknowledged at", ghostAck},
	// management: the faithful fakes pass, in both modes
	{"conforming", "management/exporter", control, "exporter", "", managed(mgmtFaults{})},
	{"conforming", "management/dashboard", control, "dashboard", "", managed(mgmtFaults{})},
	{"acl", "management/exporter", control, "exporter", "", managed(mgmtFaults{})},
	{"acl", "management/dashboard", control, "dashboard", "", managed(mgmtFaults{})},
	// management/exporter
	{"conforming", "management/exporter", "the exporter answers /metrics in Prometheus text format", "an exporter that answers an HTML error page", "not a Prometheus text page", managed(mgmtFaults{notText: true})},
	{"conforming", "management/exporter", "rocketmq_producer_offset reaches the messages sent, for every shard", "a metrics page missing a shard", "rocketmq_producer_offset{topic=", managed(mgmtFaults{dropShardOffset: true})},
	{"conforming", "management/exporter", "rocketmq_broker_commitlog_diff is reported for every slave", "a metrics page missing a slave's commit log diff", "no rocketmq_broker_commitlog_diff", managed(mgmtFaults{dropSlaveDiff: true})},
	// management/dashboard
	{"conforming", "management/dashboard", "the dashboard lists every shard under the Cluster's name, its master at id 0 and every slave", "a dashboard without a slave", `lists "" at id 1`, managed(mgmtFaults{dropSlave: true})},
	{"acl", "management/dashboard", "ACL mode: login is required, and cluster queries without a session are refused", "a dashboard that requires no login in ACL mode", "says no login is required", managed(mgmtFaults{loginOpen: true})},
	{"acl", "management/dashboard", "ACL mode: console-admin logs in as admin", "a dashboard whose users.properties holds another password", "ACL mode: console-admin logs in as admin: login as console-admin", managed(mgmtFaults{otherPassword: true})},
	{"acl", "management/dashboard", "ACL mode: a wrong password is refused", "a login that succeeds with a wrong password", "logged in with a wrong password", managed(mgmtFaults{anyPassword: true})},
	// accounts/acl-enforced
	{"acl-whitelist-wide", "accounts/acl-enforced", "an unsigned request from outside the whitelist is refused with the ACL error", "a whitelist that covers the suite's address", "accepted an unsigned request from outside the whitelist", nil},
	{"acl-account-whitelist", "accounts/acl-enforced", "a request signed with a wrong secret is refused", "an account whitelisted for the suite's address", "accepted a request signed with a wrong secret", nil},
	{"acl-other-secret", "accounts/acl-enforced", "a request signed with the shard's rocketmq-admin account is accepted", "an account whose secret is not the Secret's", "refused a request signed with shard", nil},
	{"acl-not-admin", "accounts/acl-enforced", "a message sent and read back with the account arrives intact", "an account that is not admin", "Need admin permission", nil},
	{"acl", "accounts/acl-enforced", "the namesrv answers unsigned requests", "a namesrv that answers as an ACL broker does", "refused an unsigned request", namesrvIsABroker},
	// accounts/no-leak: a secret in a written file that escaped redaction,
	// through the same reports.Complete every command uses.
	{"reports", "accounts/no-leak", "no file the run wrote holds a secret", "a diagnostics collector that writes a password outside diagnostics/", "in leaked.log line 2", nil},
}

// labelsDrifted is the clause every case that walks the brokers holds,
// with its plant: a target whose labels drifted so that it lists no
// broker. Rows are made for every RocketMQ case.
func driftedRows() []plant {
	var out []plant
	for _, c := range scenarios.All() {
		if slices.Contains(c.Clauses, "walks every shard and broker the Cluster asks for") {
			b := "conforming"
			switch {
			case c.OnlyIn.ACL:
				b = "acl"
			case c.OnlyIn.DLedger:
				b = "dledger"
			}
			edge := noShards
			if c.Suite == "management" {
				edge = managed(mgmtFaults{noShards: true})
			}
			out = append(out, plant{b, c.ID(), "walks every shard and broker the Cluster asks for", "labels drifted: the target lists no broker", "the target lists 0 broker shards", edge})
		}
	}
	return out
}

// allPlants is the whole RocketMQ table.
func allPlants() []plant { return append(append([]plant(nil), table...), driftedRows()...) }

// TestEveryClauseHasAPlant: every clause of every case has a row (the
// object cases' in testenv.Deviations), and every row names a clause its
// case has, on a bench that exists.
func TestEveryClauseHasAPlant(t *testing.T) {
	covered := map[string]bool{}
	for _, p := range allPlants() {
		if p.clause == control {
			continue
		}
		covered[p.caseID+"|"+p.clause] = true
		if _, ok := benches[p.bench]; !ok && p.bench != "reports" {
			t.Errorf("%s %q: no bench %q", p.caseID, p.clause, p.bench)
		}
	}
	for k := range objectCovered() {
		covered[k] = true
	}
	known := map[string]bool{}
	for _, c := range scenarios.All() {
		for _, cl := range c.Clauses {
			known[c.ID()+"|"+cl] = true
			if !covered[c.ID()+"|"+cl] {
				t.Errorf("%s: clause %q has no planted fault", c.ID(), cl)
			}
		}
		if len(c.Clauses) == 0 {
			t.Errorf("%s lists no clauses", c.ID())
		}
	}
	for k := range covered {
		if !known[k] {
			t.Errorf("a plant names %q, which no case lists", k)
		}
	}
}

// runBench starts bench name and runs its rows, one case run per row.
func runBench(t *testing.T, name string) {
	if testing.Short() {
		t.Skip("starts a real RocketMQ topology")
	}
	b := benches[name]
	var rows []plant
	for _, p := range allPlants() {
		if p.bench == name {
			rows = append(rows, p)
		}
	}
	if len(rows) == 0 {
		t.Fatalf("bench %s has no plants", name)
	}
	lock := testenv.BusyLock
	if idleBenches[name] {
		lock = testenv.IdleLock
	}
	c := testenv.StartUnder(t, lock, manifests.DefaultCluster().WithMode(b.mode).WithShape(b.shards, b.replicas), b.opts...)
	// Rows whose fault is the bench itself share one run of their case.
	shared := map[string]scenarios.Result{}
	for _, p := range rows {
		t.Run(p.caseID+": "+p.clause, func(t *testing.T) {
			r, ok := shared[p.caseID]
			if p.edge != nil || !ok {
				r = runCase(t, c, p)
				if p.edge == nil {
					shared[p.caseID] = r
				}
			}
			expectFailed(t, p, r)
		})
	}
}

// runCase runs the row's case on the bench, with its edge plant, and waits
// until the bench is whole again for the next row.
func runCase(t *testing.T, c *local.Cluster, p plant) scenarios.Result {
	t.Helper()
	cases, err := scenarios.Select("^" + regexp.QuoteMeta(p.caseID) + "$")
	if err != nil {
		t.Fatal(err)
	}
	var tgt scenarios.Target = c
	undo := func() {}
	if p.edge != nil {
		tgt, undo = p.edge(c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r := scenarios.Execute(ctx, tgt, cases, nil)[0]
	undo()
	if err := c.AwaitReady(ctx); err != nil {
		t.Fatalf("the bench did not come back whole after the plant: %v", err)
	}
	return r
}

// expectFailed checks the row's case failed saying what the row wants.
func expectFailed(t *testing.T, p plant, r scenarios.Result) {
	t.Helper()
	if p.clause == control {
		if r.Status != scenarios.Passed {
			t.Fatalf("%s: %s %s on a faithful %s, want passed\nobserved: %s\nevidence: %s", p.caseID, r.Status, p.bench, p.fault, r.Observed, strings.Join(r.Evidence, " | "))
		}
		return
	}
	if r.Status != scenarios.Failed {
		t.Fatalf("planted %s: %s %s, want failed saying %q\nobserved: %s\nevidence: %s", p.fault, p.caseID, r.Status, p.want, r.Observed, strings.Join(r.Evidence, " | "))
	}
	// What a failure says is its observation and the evidence with it
	// (where every lost message is named).
	if said := r.Observed + "\n" + strings.Join(r.Evidence, "\n"); !strings.Contains(said, p.want) {
		t.Fatalf("planted %s: %s failed, but does not say %q:\n%s", p.fault, p.caseID, p.want, said)
	}
	t.Logf("planted %s: %s failed (%s): %s", p.fault, p.caseID, r.Duration.Round(time.Millisecond), firstLine(r.Observed))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// TestPlanted runs the table one bench at a time, as TestPlanted/<bench>.
// Every bench is a parallel subtest, the idle ones first: each waits for
// its machine-wide lock, so the busy ones still run one at a time while an
// idle one waits out its timers beside them.
func TestPlanted(t *testing.T) {
	names := slices.SortedFunc(maps.Keys(benches), func(a, b string) int {
		if idleBenches[a] != idleBenches[b] {
			return map[bool]int{true: -1, false: 1}[idleBenches[a]]
		}
		return strings.Compare(a, b)
	})
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runBench(t, name)
		})
	}
}

// objectCovered lists, as "case|clause", the object clauses the deviating
// fixtures of testenv.Deviations and testenv.LivePlants demonstrate. The
// audit tests (internal/audit) and the API-server tests (internal/kube)
// run them and assert each failure's phrase.
func objectCovered() map[string]bool {
	out := map[string]bool{}
	add := func(fails map[string][]testenv.Expect) {
		for id, exps := range fails {
			for _, e := range exps {
				out[id+"|"+e.Clause] = true
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
	run := scenarios.Run{Target: "audit", Results: scenarios.Execute(context.Background(), tgt, cases, nil)}
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
	expectFailed(t, p, r)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if strings.Contains(r.Observed, password) {
		t.Error("no-leak quotes the value it found")
	}
}
