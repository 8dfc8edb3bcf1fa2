package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rmqkb/conformance/testenv"
)

// watchWriter is a stdout that signals when a line appears.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

// TestSIGTERMStopsEverything: a SIGTERM in the middle of a case stops it,
// tears the topology down and still writes the reports; the case in flight
// is errored, saying it was interrupted and what it was doing, never
// failed; no process and no run folder is left.
func TestSIGTERMStopsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real RocketMQ topology")
	}
	testenv.Lock(t)
	tmp, reports := sandbox(t)
	const inFlight = "replication/slave-content"
	out := &watchWriter{want: "RUN   " + inFlight, seen: make(chan struct{})}
	done := make(chan int, 1)
	go func() {
		var stderr bytes.Buffer
		done <- Main(context.Background(), []string{"--run", "^(" + inFlight + "|failover/kill-slave)$", "--reports", reports}, out, &stderr)
	}()
	select {
	case <-out.seen:
	case <-time.After(5 * time.Minute):
		t.Fatalf("the run did not get to the cases:\n%s", out.buf.String())
	}
	// Main has registered for SIGTERM before it started anything, so this
	// reaches it, not the default handler.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var code int
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the run did not stop after SIGTERM")
	}
	if code != ExitSetup {
		t.Errorf("an interrupted run exited %d, want 2:\n%s", code, out.buf.String())
	}
	assertNothingLeft(t, tmp)
	st := caseStatus(t, reports)
	if got := st[inFlight]; !strings.HasPrefix(got, "errored:") || !strings.Contains(got, "interrupted") || !strings.Contains(got, "it was ") {
		t.Errorf("%s, cut short by SIGTERM: %.600s\nwant errored, saying it was interrupted and what it was doing", inFlight, got)
	}
	if got := st["failover/kill-slave"]; !strings.HasPrefix(got, "errored:") || !strings.Contains(got, "not run: the run was interrupted") {
		t.Errorf("failover/kill-slave, after the interrupt: %.300s", got)
	}
}

// TestProcessThatCannotStart: a slave configured with brokerId 0 is refused
// by RocketMQ itself ("Slave's brokerId must be > 0"); the supervisor gives
// up after its crash-loop limit and the report's setup testcase is errored
// with the tail of that process's log. Exit 2, nothing left.
func TestProcessThatCannotStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real RocketMQ processes")
	}
	testenv.Lock(t)
	tmp, reports := sandbox(t)
	code, out := run(t, "--slave-config", "brokerId=0", "--recreate-delay", "500ms", "--reports", reports)
	if code != ExitSetup {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	st := caseStatus(t, reports)["setup/target"]
	for _, want := range []string{"errored:", "not restarting", "Slave's brokerId must be > 0"} {
		if !strings.Contains(st, want) {
			t.Errorf("setup/target does not hold %q:\n%.2000s", want, st)
		}
	}
	assertNothingLeft(t, tmp)
}
