package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilexec "k8s.io/client-go/util/exec"
)

// TestSignalScriptStopsAndResumes runs the script the exec runs, with sh,
// on a process named by a pattern unique to this test (the broker's own
// pattern would reach other tests' brokers on this machine).
func TestSignalScriptStopsAndResumes(t *testing.T) {
	pattern := fmt.Sprintf("conformance-freeze-probe-%d", os.Getpid())
	p := exec.Command("bash", "-c", "exec -a "+pattern+" sleep 60")
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Process.Kill()
	state := func() string {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Process.Pid))
		f := strings.Fields(string(data))
		if len(f) < 3 {
			return ""
		}
		return f[2]
	}
	run := func(sig string) {
		t.Helper()
		if out, err := exec.Command("sh", "-c", signalScript(sig, pattern)).CombinedOutput(); err != nil {
			t.Fatalf("SIG%s: %v: %s", sig, err, out)
		}
	}
	awaitState := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for state() != want {
			if time.Now().After(deadline) {
				t.Fatalf("process state %q, want %q", state(), want)
			}
			time.Sleep(10 * time.Millisecond) // polling /proc, bounded by the deadline
		}
	}
	awaitState("S") // started with the pattern in its command line
	run("STOP")
	awaitState("T")
	run("CONT")
	awaitState("S")

	err := exec.Command("sh", "-c", signalScript("STOP", pattern+"-absent")).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitNoProcess {
		t.Errorf("no such process: %v, want exit %d", err, exitNoProcess)
	}
}

func TestSignalErrors(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods/exec"}, "rocketmq-cluster-broker-abc-0", errors.New("RBAC"))
	for _, tc := range []struct {
		name       string
		err        error
		cannot     bool
		wantInText string
	}{
		{"done", nil, false, ""},
		{"forbidden", forbidden, true, "forbidden to this user"},
		{"pid 1", utilexec.CodeExitError{Err: errors.New("exit 4"), Code: exitIsInit}, true, "PID 1"},
		{"no process", utilexec.CodeExitError{Err: errors.New("exit 3"), Code: exitNoProcess}, false, "exit 3"},
	} {
		stderr := map[string]string{"pid 1": "the broker JVM is PID 1 of its container", "no process": "no process running"}[tc.name]
		err := signalError("rocketmq-cluster-broker-abc-0", "STOP", tc.err, stderr)
		if (err == nil) != (tc.err == nil) || isCannot(err) != tc.cannot {
			t.Errorf("%s: %v; want cannot-freeze=%v", tc.name, err, tc.cannot)
		}
		if err != nil && !strings.Contains(err.Error(), tc.wantInText) {
			t.Errorf("%s: %q does not say %q", tc.name, err, tc.wantInText)
		}
	}
}

// TestAwaitAddrDown: a kill returns once the old broker stops answering,
// not when its pod object is gone (the kubelet stops containers later).
func TestAwaitAddrDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := l.Addr().String()
	if err := awaitAddrDown(context.Background(), addr, 5*time.Second, time.Second); err == nil {
		t.Fatal("an address that still answers must not count as down")
	}
	closed := make(chan time.Time, 1)
	time.AfterFunc(200*time.Millisecond, func() { closed <- time.Now(); l.Close() })
	if err := awaitAddrDown(context.Background(), addr, 5*time.Second, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	returned := time.Now()
	if at := <-closed; returned.Before(at) {
		t.Error("returned before the listener closed")
	}
}

// isCannot reports whether err says the target cannot freeze here.
func isCannot(err error) bool {
	var c *target.Cannot
	return errors.As(err, &c) && c.Capability == verdict.Freezing
}
