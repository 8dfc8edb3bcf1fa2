// Package local runs a RocketMQ topology on loopback, shaped by the Cluster
// manifest and configured the way the KubeBlocks addon configures its pods,
// and supervises it the way a workload controller would: a killed process
// comes back on the same store with the same identity.
package local

import (
	"strings"
)

// SetupError is a failure to bring the topology up: no Java, Maven cannot
// resolve the jars, a process does not start. The CLI turns it into an
// errored testcase carrying LogTail, and exit code 2.
type SetupError struct {
	Step    string // what was being done, e.g. "start broker rocketmq-cluster-broker-abc-0"
	Err     error
	LogTail string // the end of the failing process's log, if any
}

func (e *SetupError) Error() string {
	return e.Step + ": " + e.Err.Error()
}

func (e *SetupError) Unwrap() error { return e.Err }

func setupErr(step string, err error) *SetupError { return &SetupError{Step: step, Err: err} }

// tail returns at most n trailing lines of s.
func tail(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
