package scenarios

import (
	"time"

	"github.com/rmqkb/conformance/verdict"
)

// routeRefresh is how often rocketmq-client-go's producer re-reads routes
// from the namesrv; a shard whose master came back takes writes again
// within one refresh. boundSlack is what the stated bounds allow on top of
// a protocol period, for a busy machine.
const (
	routeRefresh = 30 * time.Second
	boundSlack   = 5 * time.Second
)

// The clauses of the failover cases.
var (
	kmIdentity       = verdict.Clause{ID: "master-identity", Text: "default mode: the master returns as brokerId 0 ASYNC_MASTER of its shard"}
	kmStore          = verdict.Clause{ID: "master-store", Text: "default mode: the master returns on its store"}
	kmResume         = verdict.Clause{ID: "writes-resume", Text: "default mode: the shard takes writes again within one route refresh"}
	kmLabels         = verdict.Clause{ID: "labels-settle", Text: "default mode: " + clauseLabelsSettle.Text}
	kmElected        = verdict.Clause{ID: "dledger-elected", Text: "DLedger mode: a survivor is elected leader within 30 s"}
	kmDLedgerResume  = verdict.Clause{ID: "dledger-writes-resume", Text: "DLedger mode: the shard takes writes again within the election and one route refresh"}
	kmVictimFollows  = verdict.Clause{ID: "dledger-victim-follows", Text: "DLedger mode: the killed leader returns as a follower"}
	kmDLedgerLabel   = verdict.Clause{ID: "dledger-label", Text: "DLedger mode: the master label is on the registered leader after the election"}
	kmFollowersServe = verdict.Clause{ID: "dledger-followers-serve", Text: "DLedger mode: every follower serves its leader's messages at their offsets"}
	kmOutside        = verdict.Clause{ID: "no-failed-send", Text: "no send fails outside the fault window"}

	rfsReplicated = verdict.Clause{ID: "replicated-before", Text: "the slave held what was acknowledged before the kill"}
	rfsServes     = verdict.Clause{ID: "slave-serves", Text: "while the master is down, the slave serves every replicated message"}

	oswWrites = verdict.Clause{ID: "others-write", Text: "every other shard keeps accepting writes, none failing"}

	ksWrites   = verdict.Clause{ID: "writes-continue", Text: "every shard keeps accepting writes, no send failing"}
	ksIdentity = verdict.Clause{ID: "slave-identity", Text: "the slave returns as SLAVE with its brokerId and brokerName"}
	ksCatchUp  = verdict.Clause{ID: "catch-up", Text: "the slave catches up within 20 s"}

	nrPeriod     = verdict.Clause{ID: "period", Text: "every broker runs with registerNameServerPeriod 30000"}
	nrReregister = verdict.Clause{ID: "reregister", Text: "every broker registers again, routes included, within one period"}
	nrCached     = verdict.Clause{ID: "cached-writes", Text: "writes go on from cached routes while it is down, no send failing"}
	nrOutside    = verdict.Clause{ID: "no-failed-send", Text: "no send fails outside the restart window (before the kill, or once every broker registered again)"}
)

func init() {
	register(
		Case{Case: verdict.Case{
			Suite: "failover", Name: "kill-master",
			Promise: "With a shard's master killed under continuous load, no message acknowledged before, during or after the kill is lost or duplicated, and no send fails outside the fault window. " +
				"In the default mode the master returns as brokerId 0 ASYNC_MASTER with the same brokerName on its store, the shard takes writes again within one route refresh (30 s, plus 5 s) of its return, and where the platform labels roles the labels settle again to one master, the broker registered at brokerId 0. " +
				"In DLedger mode a survivor is elected leader and registered in every namesrv within 30 s, the shard takes writes again within that plus one route refresh, the killed broker returns as a follower, where the platform labels roles exactly one member is labelled master and it is the registered leader, and every follower serves its leader's messages at their offsets.",
			Description: "Without DLedger (the addon's default) there is no failover: the platform recreates the master pod on its PVC and the shard takes no writes meanwhile; the write-unavailability window is measured. " +
				"The load's producer refreshes routes every 30 s and drops the master's address while it is down, so the fault window runs from the kill until the shard takes writes again, up to one refresh after the master is back. " +
				"In DLedger mode the time to elect a leader and the time to the load's first acknowledged write to the shard are reported apart: the second includes up to one route refresh of the producer. " +
				"Reading every follower at its leader's offsets checks the class of apache/rocketmq#6509 (acknowledged messages truncated after a re-election). " +
				"The read-back waits until each broker covers every acknowledged offset. One kill is shared with failover/read-from-slave and failover/other-shards-write, which judge the same run.",
			Clauses: []verdict.Clause{clauseBrokers, kmIdentity, kmStore, kmResume, kmLabels,
				kmElected, kmDLedgerResume, kmVictimFollows, kmDLedgerLabel, kmFollowersServe,
				clauseNotLost, clauseNotTwice, kmOutside},
			Needs:              []verdict.Capability{verdict.Messaging, verdict.Faults},
			DLedgerMinReplicas: 3,
			Timeout:            180 * time.Second,
			Recreations:        1,
		}, Run: killMaster},
		Case{Case: verdict.Case{
			Suite: "failover", Name: "read-from-slave",
			Promise: "While a shard's master is down, its slave serves every message of the shard that was replicated before the kill.",
			Description: "Messages count as replicated when they were acknowledged before the slave was seen at the master's commit log offset. " +
				"Slave reads use PULL_MESSAGE straight to the slave (rocketmq-client-go #1055: its consumer cannot consume from a slave once the master died). " +
				"Judged from the kill of failover/kill-master.",
			Clauses:     []verdict.Clause{clauseBrokers, rfsReplicated, rfsServes},
			Needs:       []verdict.Capability{verdict.Messaging, verdict.Faults},
			MinReplicas: 2,
			NotIn:       Mode{DLedger: true},
			NotInWhy:    "a follower is elected leader, so there is no time in which the master is down and a slave alone serves the shard (failover/kill-master compares every follower with its leader instead)",
			Timeout:     180 * time.Second,
			Recreations: 1,
		}, Run: readFromSlave},
		Case{Case: verdict.Case{
			Suite: "failover", Name: "other-shards-write",
			Promise:            "While one shard's master is down, every other shard keeps accepting writes: each acknowledges writes during the fault and none fails.",
			Description:        "Judged from the kill of failover/kill-master, from the kill until the master is registered again.",
			Clauses:            []verdict.Clause{clauseBrokers, oswWrites},
			Needs:              []verdict.Capability{verdict.Messaging, verdict.Faults},
			MinShards:          2,
			DLedgerMinReplicas: 3,
			Timeout:            180 * time.Second,
			Recreations:        1,
		}, Run: otherShardsWrite},
		leaderChurnCase,
		Case{Case: verdict.Case{
			Suite: "failover", Name: "kill-slave",
			Promise: "With a slave killed under continuous load (in DLedger mode a follower, while a majority remains), every shard keeps accepting writes and no send fails; " +
				"the slave returns as SLAVE with the brokerId and brokerName its role gives it and, within 20 s after the writes stop, its commit log reaches its master's; no acknowledged message is lost or duplicated; where a platform labels roles, the shard's labels settle again to one master, the broker registered at brokerId 0.",
			Description: "A slave that lost its store would copy the master's commit log again from the start of its current file, so on the small stores of a test run a lost slave store is not told apart from a kept one; the promise does not claim it. " +
				"In DLedger mode a follower registers at its member index + 1 and catches up to the leader's committed log.",
			Clauses:            []verdict.Clause{clauseBrokers, ksWrites, ksIdentity, ksCatchUp, clauseNotLost, clauseNotTwice, clauseLabelsSettle},
			Needs:              []verdict.Capability{verdict.Messaging, verdict.Faults},
			MinReplicas:        2,
			DLedgerMinReplicas: 3,
			Timeout:            150 * time.Second,
			Recreations:        1,
		}, Run: killSlave},
		Case{Case: verdict.Case{
			Suite: "failover", Name: "namesrv-restart",
			Promise: "Every broker runs with registerNameServerPeriod 30000 (RocketMQ's default, which the addon keeps); a namesrv that is killed comes back, and every broker registers with it again, routes included, within one registration period (30 s, plus 5 s); " +
				"writes go on from cached routes while it is down, with no send failing, no send fails outside the restart, and no acknowledged message is lost or read back twice.",
			Description: "The namesrv keeps no state: after a restart its routes are empty until each broker's next periodic registration, so the case waits up to that protocol period, reports how long it took, and compares it with the period. " +
				"Once it is back and before every broker has registered again, a client that refreshes its routes (rocketmq-client-go does every 30 s) gets a partial route and drops the addresses of the brokers missing from it, so sends to their shards fail until its next refresh: " +
				"that is RocketMQ's protocol, not a fault of the addon, so such failures are counted (failed_while_reregistering), not judged.",
			Clauses:     []verdict.Clause{clauseBrokers, nrPeriod, nrReregister, nrCached, nrOutside, clauseNotLost, clauseNotTwice},
			Needs:       []verdict.Capability{verdict.Messaging, verdict.Faults},
			Timeout:     150 * time.Second,
			Recreations: 1,
		}, Run: namesrvRestart},
	)
}
