package scenarios

// The operations suite: the platform's day-2 operations, asked of it as
// its users ask (KubeBlocks: OpsRequests), each judged from a steady load
// across it and from what the operation promises. Its cases are slow
// (minutes on kind): the full profile runs them.
func init() {
	register(
		restartCase,
		reconfigureCase,
		immutableCase,
		stopStartCase,
		vscaleCase,
		nsScaleCase,
		replicaScaleCase,
		volumeExpandCase,
		shardScaleCase, // last: its scale-in may remove a shard the others wrote to
	)
}
