package history

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentRecording has many producers and consumers record at once;
// run with -race. Every op must be kept and the checker must see a clean run.
func TestConcurrentRecording(t *testing.T) {
	const producers, perProducer = 16, 200
	h := New()
	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			shard := fmt.Sprintf("broker-%d", p%4)
			for i := range perProducer {
				id := fmt.Sprintf("p%d-m%d", p, i)
				h.Invoke(id, shard)
				if i%50 == 49 {
					h.Fail(id, shard, errors.New("busy"))
					continue
				}
				h.Ack(id, shard, i%4, int64(i))
				h.Deliver("g", id, shard, i%4, int64(i))
			}
		}()
	}
	wg.Add(2)
	go func() { defer wg.Done(); h.FaultStart("chaos"); h.FaultEnd("chaos") }()
	go func() {
		defer wg.Done()
		for range 100 {
			_ = h.Check("g")
			_ = h.Unavailable("broker-0")
		}
	}()
	wg.Wait()

	r := h.Check("g")
	failed := producers * (perProducer / 50)
	if r.Invoked != producers*perProducer || r.FailedSends != failed || r.Acked != producers*perProducer-failed || !r.OK() {
		t.Errorf("Check = %s", r)
	}
	ops := h.Ops()
	if want := producers*(2*perProducer+(perProducer-perProducer/50)) + 2; len(ops) != want {
		t.Errorf("len(Ops) = %d, want %d", len(ops), want)
	}
	for i := 1; i < len(ops); i++ {
		if ops[i].At.Before(ops[i-1].At) {
			t.Fatalf("op %d is stamped before op %d", i, i-1)
		}
	}
	if got := len(h.FaultWindows()); got != 1 {
		t.Errorf("FaultWindows = %d, want 1", got)
	}
}
