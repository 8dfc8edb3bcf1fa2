package cli

import (
	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/internal/usage"
	"github.com/rmqkb/conformance/manifests"
)

// shapeFlags reshape the Cluster a run creates (the local target, e2e,
// up); zero keeps the manifest's value.
type shapeFlags struct {
	namesrvs, shards, replicas int
}

func (s *shapeFlags) register(fs *flagSet) {
	fs.IntVar(&s.namesrvs, "namesrvs", 0, "namesrv replicas (default: the manifest's, 2)")
	fs.IntVar(&s.shards, "shards", 0, "broker shards (default: the manifest's)")
	fs.IntVar(&s.replicas, "replicas", 0, "brokers per shard, master included (default: the manifest's; 3 with --dledger)")
}

// check bounds each value (topology.CheckShape).
func (s shapeFlags) check() error {
	if err := topology.CheckShape(s.namesrvs, s.shards, s.replicas); err != nil {
		return usage.Wrap(err)
	}
	return nil
}

// registerMode adds --acl and --dledger: the one place the CLI turns them
// into a topology.Mode, which is all that travels from then on. aclUse and
// dledgerUse end each flag's help with what the command does with it.
func registerMode(fs *flagSet, m *topology.Mode, aclUse, dledgerUse string) {
	fs.BoolVar(&m.ACL, "acl", false, "ACL mode (ENABLE_ACL)"+aclUse)
	fs.BoolVar(&m.DLedger, "dledger", false, "DLedger mode (ENABLE_DLEDGER)"+dledgerUse)
}

// apply sets the modes the flags switch on, added to the manifest's, and
// the shape. With DLedger a shard needs 3 brokers for its Raft group to
// survive a loss, unless --replicas says otherwise.
func (s shapeFlags) apply(m manifests.Cluster, flags topology.Mode) manifests.Cluster {
	mode := m.Mode().Union(flags)
	m = m.WithMode(mode)
	replicas := s.replicas
	if mode.DLedger && replicas == 0 && m.Broker.Replicas < manifests.DLedgerReplicas {
		replicas = manifests.DLedgerReplicas
	}
	return m.WithShape(s.shards, replicas).WithNamesrvs(s.namesrvs)
}
