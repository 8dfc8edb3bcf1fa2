package audit

import (
	"context"
	"errors"
	"time"

	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// Target serves a loaded dump to the cases: objects only.
type Target struct {
	snap *scenarios.Snapshot
	topo scenarios.Topology
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

// Name implements scenarios.Target.
func (t *Target) Name() string { return "audit" }

// Topology implements scenarios.Target.
func (t *Target) Topology() scenarios.Topology { return t.topo }

// Abilities implements scenarios.Target: a dump holds objects and the
// account Secrets, and nothing runs behind it.
func (t *Target) Abilities() scenarios.Abilities {
	why := "it reads object dumps from " + t.dir + "; there are no running brokers to talk to or to kill"
	cannot := map[scenarios.Capability]string{}
	for _, c := range []scenarios.Capability{scenarios.Messaging, scenarios.Faults, scenarios.HoldDown, scenarios.Freezing, scenarios.Management} {
		cannot[c] = why
	}
	return scenarios.Abilities{Cannot: cannot, Objects: t, Secrets: t}
}

// Snapshot implements scenarios.ObjectSource.
func (t *Target) Snapshot(context.Context) (*scenarios.Snapshot, error) { return t.snap, nil }

// Settle implements scenarios.ObjectSource: a dump does not change.
func (t *Target) Settle() time.Duration { return 0 }

// Secrets implements scenarios.SecretSource: the dump's account
// passwords.
func (t *Target) Secrets(context.Context) ([]verdict.Secret, error) {
	return scenarios.PasswordSecrets(t.snap.Secrets), nil
}

// The rest of scenarios.Target: nothing runs behind a dump.

func (t *Target) Namesrvs(context.Context) ([]string, error)        { return nil, errDump }
func (t *Target) Shards(context.Context) ([]scenarios.Shard, error) { return nil, errDump }
func (t *Target) Kill(context.Context, scenarios.Broker) error      { return errDump }
func (t *Target) AwaitBack(context.Context, scenarios.Broker) error { return errDump }
func (t *Target) KillNamesrv(context.Context, int) error            { return errDump }
func (t *Target) AwaitNamesrvBack(context.Context, int) error       { return errDump }
func (t *Target) Credentials() (string, string)                     { return "", "" }
