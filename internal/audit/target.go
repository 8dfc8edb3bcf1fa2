package audit

import (
	"context"
	"errors"
	"time"

	"github.com/rmqkb/conformance/scenarios"
)

// Target serves a loaded dump to the cases: objects only.
type Target struct {
	snap    *scenarios.Snapshot
	topo    scenarios.Topology
	dir     string
	outputs []string
}

// New returns the audit target of the dump in dir for the Cluster of topo
// (its name and namespace); outputs are the folders the run writes, for
// accounts/no-leak.
func New(dir string, topo scenarios.Topology, outputs ...string) (*Target, error) {
	s, err := Load(dir, topo.Namespace, topo.Cluster)
	if err != nil {
		return nil, err
	}
	return &Target{snap: s, topo: topo, dir: dir, outputs: outputs}, nil
}

var errDump = errors.New("audit reads object dumps; there is no running RocketMQ to talk to")

// Name implements scenarios.Target.
func (t *Target) Name() string { return "audit" }

// Topology implements scenarios.Target.
func (t *Target) Topology() scenarios.Topology { return t.topo }

// Lacks implements scenarios.Target.
func (t *Target) Lacks(c scenarios.Capability) string {
	if c == scenarios.Objects {
		return ""
	}
	return "it reads object dumps from " + t.dir + "; there are no running brokers to talk to or to kill"
}

// Snapshot implements scenarios.ObjectSource.
func (t *Target) Snapshot(context.Context) (*scenarios.Snapshot, error) { return t.snap, nil }

// Settle implements scenarios.ObjectSource: a dump does not change.
func (t *Target) Settle() time.Duration { return 0 }

// OutputDirs implements scenarios.Outputs.
func (t *Target) OutputDirs() []string { return t.outputs }

// The rest of scenarios.Target: nothing runs behind a dump.

func (t *Target) Namesrvs(context.Context) ([]string, error)        { return nil, errDump }
func (t *Target) Shards(context.Context) ([]scenarios.Shard, error) { return nil, errDump }
func (t *Target) Kill(context.Context, scenarios.Broker) error      { return errDump }
func (t *Target) AwaitBack(context.Context, scenarios.Broker) error { return errDump }
func (t *Target) KillNamesrv(context.Context, int) error            { return errDump }
func (t *Target) AwaitNamesrvBack(context.Context, int) error       { return errDump }
func (t *Target) Credentials() (string, string)                     { return "", "" }
