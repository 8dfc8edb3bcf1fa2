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
}

// String describes the shape in one phrase, e.g.
// "cluster rocketmq-cluster: 1 namesrv, 2 shards x 2 replicas".
func (t Topology) String() string {
	return fmt.Sprintf("cluster %s: %s, %s x %s", t.Cluster,
		plural(t.Namesrvs, "namesrv"), plural(t.Shards, "shard"), plural(t.Replicas, "replica"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
