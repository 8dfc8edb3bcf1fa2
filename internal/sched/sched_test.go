package sched

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestOwnProcessRuns: the test's own process has run, and its reading
// grows while it works.
func TestOwnProcessRuns(t *testing.T) {
	before, err := Process(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	spin(50 * time.Millisecond)
	after, err := Process(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after.CPU <= before.CPU || after.Stopped {
		t.Errorf("before %+v, after %+v: want more CPU time and not stopped", before, after)
	}
}

// TestStoppedProcessNeitherRunsNorWaits: a SIGSTOPped process is reported
// stopped, and its run-queue wait does not grow while it stays stopped,
// whatever the machine does: it is not starved.
func TestStoppedProcessNeitherRunsNorWaits(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep command: %v", err)
	}
	defer cmd.Process.Kill()
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// A process is shown stopped (T) a moment before it has finished
	// stopping: it may still wait to run the last of its signal handling.
	// Once two readings a while apart agree, it has stopped for good.
	var first Reading
	deadline := time.Now().Add(10 * time.Second)
	for prev := (Reading{}); ; {
		r, err := Process(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if r.Stopped && r == prev {
			first = r
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the process was never seen stopped for good: last %+v", r)
		}
		prev = r
		spin(20 * time.Millisecond)
	}
	spin(100 * time.Millisecond) // the machine works; the stopped process cannot
	r, err := Process(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Stopped || r.Wait != first.Wait || r.CPU != first.CPU {
		t.Errorf("stopped process: first %+v, then %+v; want it stopped with nothing added", first, r)
	}
}

// TestGoneProcessIsAnError: a process that is gone cannot be read.
func TestGoneProcessIsAnError(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("no true command: %v", err)
	}
	if _, err := Process(cmd.Process.Pid); err == nil {
		t.Error("read a process that has exited")
	}
}

func TestPressure(t *testing.T) {
	if _, err := os.Stat("/proc/pressure/cpu"); err != nil {
		t.Skipf("this kernel has no pressure stall information: %v", err)
	}
	a, err := ReadPressure()
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadPressure()
	if err != nil {
		t.Fatal(err)
	}
	if b.CPU < a.CPU || b.IO < a.IO {
		t.Errorf("pressure totals went down: %+v then %+v", a, b)
	}
}

// spin keeps a CPU busy for d.
func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
}

func TestLoad(t *testing.T) {
	l, err := ReadLoad()
	if err != nil {
		t.Fatal(err)
	}
	if l.Avg1 < 0 || l.String() == "" {
		t.Errorf("load %+v", l)
	}
}
