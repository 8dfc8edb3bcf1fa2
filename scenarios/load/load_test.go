package load

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestPacedCountsUntilCancelled: Paced numbers the writes from 0 and
// stops once its context ends.
func TestPacedCountsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var got []int
	Paced(ctx, time.Millisecond, func(n int) {
		got = append(got, n)
		if n == 3 {
			cancel()
		}
	})
	if !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("writes %v, want [0 1 2 3]", got)
	}
}

// TestQueueMessageNamesItsQueue: a message carries its key and the queue
// it is for, so a send reaches the shard and queue the load rotates to.
func TestQueueMessageNamesItsQueue(t *testing.T) {
	m := QueueMessage("topic-a", "broker-x", 3, "k-1", []byte("body"))
	if m.Queue.BrokerName != "broker-x" || m.Queue.QueueId != 3 || m.Queue.Topic != "topic-a" || m.GetKeys() != "k-1" {
		t.Errorf("message for %+v with keys %q, want topic-a broker-x queue 3 key k-1", m.Queue, m.GetKeys())
	}
}
