package audit

import (
	"context"
	"errors"
	"time"

	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// Target serves a loaded dump to the cases: objects only.
type Target struct {
	snap *target.Snapshot
	topo topology.Topology
	dir  string
}

// New returns the audit target of the dump in dir for the Cluster ns/name.
// The shape every case checks against is the one that Cluster object asks
// for.
func New(dir, ns, name string) (*Target, error) {
	s, err := Load(dir, ns, name)
	if err != nil {
		return nil, err
	}
	topo, err := manifests.TopologyOf(s.Cluster.Object, "Cluster "+ns+"/"+name+" in "+dir)
	if err != nil {
		return nil, err
	}
	topo.Cluster, topo.Namespace = name, ns
	return &Target{snap: s, topo: topo, dir: dir}, nil
}

var errDump = errors.New("audit reads object dumps; there is no running RocketMQ to talk to")

// ServiceVersion is the RocketMQ version the dumped Cluster asks for its
// brokers.
func (t *Target) ServiceVersion() string {
	return manifests.BrokerServiceVersion(t.snap.Cluster.Object)
}

// Name implements target.Target.
func (t *Target) Name() string { return "audit" }

// Topology implements target.Target.
func (t *Target) Topology() topology.Topology { return t.topo }

// Abilities implements target.Target: a dump holds objects and the
// account Secrets, and nothing runs behind it.
func (t *Target) Abilities() target.Abilities {
	why := "it reads object dumps from " + t.dir + "; there are no running brokers to talk to or to kill"
	cannot := map[verdict.Capability]string{}
	for _, c := range []verdict.Capability{verdict.Messaging, verdict.Faults, verdict.HoldDown, verdict.Freezing, verdict.Management, verdict.Operations} {
		cannot[c] = why
	}
	return target.Abilities{Cannot: cannot, Objects: t, Secrets: t}
}

// Snapshot implements target.ObjectSource.
func (t *Target) Snapshot(context.Context) (*target.Snapshot, error) { return t.snap, nil }

// Settle implements target.ObjectSource: a dump does not change.
func (t *Target) Settle() time.Duration { return 0 }

// Secrets implements target.SecretSource: the dump's account
// passwords.
func (t *Target) Secrets(context.Context) ([]verdict.Secret, error) {
	return target.PasswordSecrets(t.snap.Secrets), nil
}

// The rest of target.Target: nothing runs behind a dump.

func (t *Target) Namesrvs(context.Context) ([]string, error)     { return nil, errDump }
func (t *Target) Shards(context.Context) ([]target.Shard, error) { return nil, errDump }
func (t *Target) Kill(context.Context, target.Broker) error      { return errDump }
func (t *Target) AwaitBack(context.Context, target.Broker) error { return errDump }
func (t *Target) KillNamesrv(context.Context, int) error         { return errDump }
func (t *Target) AwaitNamesrvBack(context.Context, int) error    { return errDump }
func (t *Target) Credentials() (string, string)                  { return "", "" }
