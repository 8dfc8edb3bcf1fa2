package scenarios

// The cluster suite: what the platform must make of the Cluster before
// RocketMQ can be judged on it. It runs first; its one case gates the
// cases that need a live cluster.
func init() {
	register(
		readyCase,
	)
}
