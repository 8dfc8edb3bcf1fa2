package scenarios

// The management suite: the exporter and the dashboard the addon deploys
// beside the brokers, judged on what they serve.
func init() {
	register(
		exporterCase,
		dashboardCase,
	)
}
