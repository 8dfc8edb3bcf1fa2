// Package testenv holds what the real-RocketMQ tests share: a lock so that
// only one topology runs at a time on the machine, whichever test binary
// asks (go test runs packages in parallel, and five JVMs per topology are
// all two cores can take), and a check that nothing is left running.
package testenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rmqkb/conformance/internal/dist"

	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/target/local"
)

// The machine-wide locks RocketMQ topologies start under. BusyLock keeps
// topologies that drive load from sharing two cores; IdleLock is for one
// that mostly waits on RocketMQ's own timers (the namesrv's 120 s expiry),
// which runs beside them. OperationsLock and RollingLock are the planted
// tier's other lanes of benches, which run beside the busy one because the
// operations benches in them mostly wait on the platform's timers (grace
// periods, minReadySeconds) under a light load.
const (
	BusyLock       = "test.lock"
	IdleLock       = "idle.lock"
	OperationsLock = "operations.lock"
	RollingLock    = "rolling.lock"
)

// Lock takes the machine-wide RocketMQ test lock until the test ends.
func Lock(t testing.TB) { LockNamed(t, BusyLock) }

// LockNamed takes the machine-wide lock name until the test ends.
func LockNamed(t testing.TB, name string) {
	t.Helper()
	dir, err := dist.CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("lock %s: %v", f.Name(), err)
	}
	t.Cleanup(func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}

// Start starts a local topology of the embedded manifest reshaped to shards
// x replicas, under the lock, stopped when the test ends; afterwards it
// checks no process of it is left.
func Start(t testing.TB, shards, replicas int, opts ...local.Option) *local.Cluster {
	t.Helper()
	return StartCluster(t, manifests.DefaultCluster().WithShape(shards, replicas), opts...)
}

// StartCluster is Start for a manifest of the caller's (another mode, say).
func StartCluster(t testing.TB, m manifests.Cluster, opts ...local.Option) *local.Cluster {
	t.Helper()
	return StartUnder(t, BusyLock, m, opts...)
}

// StartUnder is StartCluster under the lock named lock; "" takes none,
// for a caller that holds the lock for a group of topologies.
func StartUnder(t testing.TB, lock string, m manifests.Cluster, opts ...local.Option) *local.Cluster {
	t.Helper()
	if lock != "" {
		LockNamed(t, lock)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := local.Start(ctx, m, append([]local.Option{local.WithWorkDir(t.TempDir())}, opts...)...)
	if err != nil {
		var se *local.SetupError
		if errors.As(err, &se) && se.LogTail != "" {
			t.Logf("log tail:\n%s", se.LogTail)
		}
		t.Fatalf("start the local topology: %v", err)
	}
	dir := c.Dir()
	t.Cleanup(func() {
		keepLogs(t, c)
		if err := c.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if left := ProcessesUnder(dir); len(left) > 0 {
			t.Errorf("processes left running after Close: %v", left)
		}
	})
	return c
}

// PlantedEnv switches the planted tier on: the tests that show each
// clause failing under its planted fault, on real topologies, which README
// gives as a command of its own.
const PlantedEnv = "RMQKB_PLANTED"

// PlantedTier skips t unless the planted tier is on, saying how to run it,
// and with -short.
func PlantedTier(t testing.TB) {
	t.Helper()
	if os.Getenv(PlantedEnv) == "" {
		t.Skipf("the planted tier: set %s=1 to run it", PlantedEnv)
	}
	if testing.Short() {
		t.Skip("-short: starts real RocketMQ topologies")
	}
}

// BenchLogsEnv names a folder that receives, when a test that started a
// topology fails, every process's logs and thread dumps, in a subfolder
// named for the test: the bench's own folder is removed with the test.
const BenchLogsEnv = "RMQKB_BENCH_LOGS"

func keepLogs(t testing.TB, c *local.Cluster) {
	dir := os.Getenv(BenchLogsEnv)
	if dir == "" || !t.Failed() {
		return
	}
	dst := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.CollectLogs(ctx, dst); err != nil {
		t.Logf("collect the bench's logs into %s: %v", dst, err)
		return
	}
	t.Logf("the bench's logs are in %s", dst)
}

// ProcessesUnder lists the pids whose command line mentions dir.
func ProcessesUnder(dir string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmd), dir) {
			out = append(out, e.Name())
		}
	}
	return out
}
