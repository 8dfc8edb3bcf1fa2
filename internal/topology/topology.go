// Package topology holds the shape of a RocketMQ Cluster: the one value the
// manifest, the targets and the scenarios all speak of. It imports nothing of
// the suite, so any of them can use it.
package topology

import "fmt"

// Topology is the shape a Cluster asks for: its name and namespace, and how
// many namesrvs, broker shards and brokers per shard it runs.
type Topology struct {
	Cluster   string `json:"cluster"` // Cluster name, and so brokerClusterName
	Namespace string `json:"namespace"`
	Namesrvs  int    `json:"namesrvs"` // namesrv replicas
	Shards    int    `json:"shards"`   // broker shards
	Replicas  int    `json:"replicas"` // brokers per shard: one master, Replicas-1 slaves
	Mode      Mode   `json:"mode"`
}

// String describes the shape in one phrase, e.g.
// "cluster rocketmq-cluster: 1 namesrv, 2 shards x 2 replicas", with the
// mode when it is not the default ("..., mode dledger").
func (t Topology) String() string {
	s := fmt.Sprintf("cluster %s: %s, %s x %s", t.Cluster,
		plural(t.Namesrvs, "namesrv"), plural(t.Shards, "shard"), plural(t.Replicas, "replica"))
	if t.Mode != (Mode{}) {
		s += ", mode " + t.Mode.String()
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Mode is which of the addon's optional modes a Cluster runs, as its
// annotation kubeblocks.io/extra-env switches them on (ENABLE_ACL,
// ENABLE_DLEDGER); the zero Mode is the addon's default, both off.
type Mode struct {
	ACL     bool `json:"acl"`     // brokers demand signed requests from outside the pods' /24
	DLedger bool `json:"dledger"` // each shard is a Raft group: roles come from elections
}

// Union is the mode with every switch on that m or o has on: flags that
// add modes to a manifest's.
func (m Mode) Union(o Mode) Mode {
	return Mode{ACL: m.ACL || o.ACL, DLedger: m.DLedger || o.DLedger}
}

// Covers reports whether m has on every switch o has on: an existing
// Cluster satisfies the modes flags assert when its mode covers theirs.
func (m Mode) Covers(o Mode) bool { return m.Union(o) == m }

// String names the mode for reports: default, acl, dledger or acl+dledger.
func (m Mode) String() string {
	switch {
	case m.ACL && m.DLedger:
		return "acl+dledger"
	case m.ACL:
		return "acl"
	case m.DLedger:
		return "dledger"
	}
	return "default"
}

// The bounds of a shape the flags may ask for: the addon's definitions
// allow 1 to 128 shards (the ShardingDefinition's shardsLimit); the suite
// allows up to 8 namesrvs and 8 brokers per shard. 0 keeps the
// manifest's value.
const (
	MaxNamesrvs = 8
	MaxShards   = 128
	MaxReplicas = 8
)

// CheckShape says which of --namesrvs, --shards and --replicas is out of
// its bounds, or nil.
func CheckShape(namesrvs, shards, replicas int) error {
	for _, c := range []struct {
		flag   string
		v, max int
		why    string
	}{
		{"--namesrvs", namesrvs, MaxNamesrvs, ""},
		{"--shards", shards, MaxShards, " (the ShardingDefinition's limit)"},
		{"--replicas", replicas, MaxReplicas, ""},
	} {
		if c.v < 0 || c.v > c.max {
			return fmt.Errorf("%s %d: expected 1 to %d%s, or 0 for the manifest's", c.flag, c.v, c.max, c.why)
		}
	}
	return nil
}
