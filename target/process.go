package target

// ProcessTable is a target whose brokers and namesrvs run as processes on
// this machine, so the suite can read how long the machine kept each
// waiting for a CPU (the local target).
type ProcessTable interface {
	// Processes lists the brokers and namesrvs running now, by the name
	// cases know them by (Broker.Pod; the namesrv's process name).
	Processes() []Process
}

// Process is one broker or namesrv process of a ProcessTable.
type Process struct {
	Name    string
	Namesrv bool
	PID     int
}
