// Package target is what the cases see of a RocketMQ deployment: the
// Target interface the local, kube and audit targets implement, the
// brokers and shards they list, the capabilities they declare
// (Abilities) and the means behind them. It imports none of the cases,
// so a target never links them.
package target

import (
	"context"

	"github.com/rmqkb/conformance/internal/topology"
)

// Broker is one broker process or pod, as the target knows it.
type Broker struct {
	Shard   string // brokerName, the shard's short component name (broker-xyz)
	Ordinal int    // pod ordinal; the addon derives brokerId and role from it
	Pod     string // pod name ({cluster}-{shard}-{ordinal}) or local process name
	Addr    string // remoting address clients use (brokerIP1:listenPort)
	// DLedgerAddr is where the broker's Raft member would listen (the
	// addon's dledger port, 40911): in DLedger mode it does, otherwise
	// nothing may. Empty where the target cannot tell.
	DLedgerAddr string
	// RoleLabel is the role the platform reports for it: the
	// kubeblocks.io/role label on kube; empty where no platform labels
	// roles (the local target).
	RoleLabel string
}

// Shard is one broker group.
type Shard struct {
	Name    string
	Brokers []Broker // ordered by ordinal
	// Leader is the index in Brokers of the shard's master: ordinal 0 by
	// the addon's rule, or in DLedger mode the elected leader; -1 when the
	// target finds none.
	Leader int
}

// Master returns the shard's master (Leader).
func (s Shard) Master() Broker { return s.Brokers[s.Leader] }

// Slaves returns every broker but the master.
func (s Shard) Slaves() []Broker {
	var out []Broker
	for i, b := range s.Brokers {
		if i != s.Leader {
			out = append(out, b)
		}
	}
	return out
}

// Target is what every scenario sees of a RocketMQ deployment. The local
// launcher and the kube target implement it; scenarios know nothing else.
type Target interface {
	// Name is "local" or "kube"; it goes into the report.
	Name() string
	// Topology is the requested shape.
	Topology() topology.Topology
	// Abilities declares what the target can do beyond this interface,
	// and why not where it cannot: the one place it says so.
	Abilities() Abilities
	// Namesrvs returns the namesrv addresses clients should use.
	Namesrvs(ctx context.Context) ([]string, error)
	// Shards returns the broker groups as they are now.
	Shards(ctx context.Context) ([]Shard, error)
	// Kill stops a broker hard (SIGKILL, or pod delete with grace 0) and returns
	// once it is observed down. The platform brings it back by itself.
	Kill(ctx context.Context, b Broker) error
	// AwaitBack waits until a killed broker is running again on its store and
	// registered in every namesrv.
	AwaitBack(ctx context.Context, b Broker) error
	// KillNamesrv stops namesrv i hard and returns once it is observed down.
	KillNamesrv(ctx context.Context, i int) error
	// AwaitNamesrvBack waits until namesrv i answers again.
	AwaitNamesrvBack(ctx context.Context, i int) error
	// Credentials returns the ACL access and secret key, or empty strings when
	// the brokers run without ACL.
	Credentials() (accessKey, secretKey string)
}

// NamesrvHolder is a target that can keep a killed namesrv down until it
// is released: a platform that recreates pods by itself cannot.
type NamesrvHolder interface {
	// HoldNamesrvDown kills namesrv i and keeps it from being recreated.
	HoldNamesrvDown(ctx context.Context, i int) error
	// ReleaseNamesrv lets it be recreated; AwaitNamesrvBack waits for it.
	ReleaseNamesrv(ctx context.Context, i int) error
}

// Freezer is a target that can freeze a broker: the process stops without
// ending, keeps its connections open and answers nothing, as a stalled JVM
// or a hung node does; Thaw resumes it where it stopped.
type Freezer interface {
	FreezeBroker(ctx context.Context, b Broker) error
	ThawBroker(ctx context.Context, b Broker) error
}

// ManagementPlane is a target whose exporter and dashboard the suite can
// reach over HTTP.
type ManagementPlane interface {
	// ExporterURL is the exporter's base URL (http://host:5557).
	ExporterURL(ctx context.Context) (string, error)
	// DashboardURL is the dashboard's base URL (http://host:8080).
	DashboardURL(ctx context.Context) (string, error)
	// ConsoleAccount is the dashboard's console-admin account, as its
	// Secret holds it; the password stays in memory.
	ConsoleAccount(ctx context.Context) (user, password string, err error)
}

// CredentialsOf is the means of a target whose shards carry accounts of
// their own (each shard's rocketmq-admin Secret on kube: Abilities.PerShard);
// others sign every shard with Credentials.
type CredentialsOf interface {
	CredentialsOf(shard string) (accessKey, secretKey string)
}
