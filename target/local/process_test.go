package local

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func testProcess(t *testing.T, delay time.Duration, argv ...string) *process {
	dir := t.TempDir()
	p := newProcess("test-pod-0", dir, argv, os.Environ(), filepath.Join(dir, "out.log"), filepath.Join(dir, "app.log"), delay)
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(time.Second) })
	return p
}

func TestKilledProcessIsRecreated(t *testing.T) {
	p := testProcess(t, 50*time.Millisecond, "sleep", "60")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gen, err := p.kill(ctx)
	if err != nil || gen != 1 {
		t.Fatalf("kill: gen %d, %v", gen, err)
	}
	if err := p.awaitGeneration(ctx, gen); err != nil {
		t.Fatalf("not recreated: %v", err)
	}
	if ok, failed := p.alive(); !ok || failed != nil || p.generation() != 2 {
		t.Errorf("after recreation: alive=%v failed=%v gen=%d", ok, failed, p.generation())
	}
	data, _ := os.ReadFile(p.outLog)
	if strings.Count(string(data), "start generation") != 2 {
		t.Errorf("out log does not record two generations:\n%s", data)
	}
}

func TestCrashLoopGivesUp(t *testing.T) {
	p := testProcess(t, 10*time.Millisecond, "false")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := p.awaitGeneration(ctx, 99)
	if err == nil || !strings.Contains(err.Error(), "not restarting") {
		t.Fatalf("a process that keeps exiting: %v, want the supervisor to give up", err)
	}
}

// TestStopKillsTheProcessGroup: a child the process started goes too.
func TestStopKillsTheProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	p := testProcess(t, time.Hour, "sh", "-c", "sleep 60 & echo $! > "+pidFile+"; wait")
	var child int
	deadline := time.Now().Add(5 * time.Second)
	for child == 0 && time.Now().Before(deadline) {
		data, _ := os.ReadFile(pidFile)
		child, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		if child == 0 {
			time.Sleep(10 * time.Millisecond) // polling a file the shell writes
		}
	}
	if child == 0 {
		t.Fatal("the shell did not start its child")
	}
	if err := p.stop(time.Second); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for syscall.Kill(child, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // waiting for the kernel to reap it
	}
	if syscall.Kill(child, 0) == nil {
		t.Errorf("child %d survived stop", child)
	}
	if ok, _ := p.alive(); ok {
		t.Error("alive after stop")
	}
}

func TestPortPlan(t *testing.T) {
	pp := newPortPlan(0)
	defer pp.close()
	a, err := pp.take(brokerBlock, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := pp.take(brokerBlock, "b")
	if err != nil {
		t.Fatal(err)
	}
	if b >= a && b < a+brokerBlock || a >= b && a < b+brokerBlock {
		t.Errorf("blocks overlap: %d and %d", a, b)
	}
	if low := ephemeralLow(); a+brokerBlock > low || b+brokerBlock > low {
		t.Errorf("blocks %d and %d reach into the ephemeral range from %d, where outbound connections take ports", a, b, low)
	}
	pp.release()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	marks := len(pp.marks)
	if _, err := pp.take(slotSize, "a Raft group"); err == nil {
		t.Error("a block of a whole slot was handed out; a slot keeps its first port as its mark")
	}
	if len(pp.marks) != marks {
		t.Errorf("a block too large for a slot claimed %d more slots", len(pp.marks)-marks)
	}

	fixed := newPortPlan(busy)
	defer fixed.close()
	_, err = fixed.take(1, "namesrv x")
	if err == nil || !strings.Contains(err.Error(), "port "+strconv.Itoa(busy)+" for namesrv x is not free") {
		t.Errorf("busy base port: %v", err)
	}
}

// TestPortPlansKeepTheirSlots: a port a cluster handed out and released
// (its process not yet bound, or killed and not yet back) is never handed to
// another cluster, even one that tries the same slot first; once the first
// cluster closes, the slot is free again.
func TestPortPlansKeepTheirSlots(t *testing.T) {
	same := func(int) int { return 7 }
	a := newPortPlan(0)
	a.first = same
	defer a.close()
	first, err := a.take(brokerBlock, "a")
	if err != nil {
		t.Fatal(err)
	}
	a.release()
	slot := a.marks[0].Addr().(*net.TCPAddr).Port // the first port of a's slot, which marks it
	b := newPortPlan(0)
	b.first = same
	defer b.close()
	for i := range slotSize / brokerBlock {
		p, err := b.take(brokerBlock, "b")
		if err != nil {
			t.Fatal(err)
		}
		if p+brokerBlock > slot && p < slot+slotSize {
			t.Fatalf("block %d of the second plan starts at %d, in the slot the first claimed from %d", i, p, slot)
		}
	}
	a.close()
	c := newPortPlan(0)
	c.first = same
	defer c.close()
	if p, err := c.take(brokerBlock, "c"); err != nil || p != first {
		t.Errorf("after the first plan closed, a plan trying its slot got %d, %v; want %d", p, err, first)
	}
}

// TestHeldProcessStaysDown: a held process is not recreated until it is
// released, then is.
func TestHeldProcessStaysDown(t *testing.T) {
	p := testProcess(t, 10*time.Millisecond, "sleep", "60")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p.hold()
	gen, err := p.kill(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	if err := p.awaitGeneration(short, gen); err == nil {
		t.Fatal("a held process was recreated")
	}
	p.release()
	if err := p.awaitGeneration(ctx, gen); err != nil {
		t.Fatalf("not recreated after release: %v", err)
	}
}
