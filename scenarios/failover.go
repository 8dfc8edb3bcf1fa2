package scenarios

import (
	"time"
)

// routeRefresh is how often rocketmq-client-go's producer re-reads routes
// from the namesrv; a shard whose master came back takes writes again
// within one refresh. boundSlack is what the stated bounds allow on top of
// a protocol period, for a busy machine.
const (
	routeRefresh = 30 * time.Second
	boundSlack   = 5 * time.Second
)

// The failover suite, in the order its cases run: the case literals, their
// clauses and their judgement live in each case's file. The namesrv
// restart comes first: its wait is for every broker's next periodic
// registration, and before a broker is killed and recreated they all
// register in one phase, so the wait is one phase's, not the latest of
// several.
func init() {
	register(
		namesrvRestartCase,
		killMasterCase,
		readFromSlaveCase,
		otherShardsWriteCase,
		leaderChurnCase,
		killSlaveCase,
		freezeMasterCase,
	)
}
