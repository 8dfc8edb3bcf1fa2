// Package load writes to a RocketMQ topic and records every attempt in a
// history: one send (Send), or a steady load on every shard (Start). It
// judges nothing: the cases judge the history it returns.
package load

import (
	"context"
	"fmt"
	"sync"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
)

// Load keeps writing to every shard at a steady pace, one goroutine and one
// producer per shard, rotating over the shard's queues, and records every
// attempt in a history. Keys are unique, so the checker can match
// deliveries to sends.
//
// One producer per shard: rocketmq-client-go sets up every connection of a
// client behind one mutex, for as long as the dial takes. Where a killed
// broker's address drops packets instead of refusing them (a deleted pod's
// IP on kind), one dial to it stalled every send of that client, and a
// healthy shard's send timed out (measured on kind: failover/other-shards-
// write failed on it). The shards' clients are kept apart, so a verdict on
// one shard never depends on a dial to another.
type Load struct {
	h      *history.History
	topic  string
	queues int
	every  time.Duration
	// onAck, when not nil, sees every acknowledged send.
	onAck func(shard string, res *primitive.SendResult, at time.Time)

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start begins writing rate messages per second to each shard, each
// through its own producer from newProducer.
func Start(ctx context.Context, h *history.History, newProducer func() rocketmq.Producer, topic string, shards []target.Shard, queues, rate int,
	onAck func(shard string, res *primitive.SendResult, at time.Time)) *Load {
	ctx, cancel := context.WithCancel(ctx)
	l := &Load{h: h, topic: topic, queues: queues, every: time.Second / time.Duration(rate), cancel: cancel, onAck: onAck}
	for _, s := range shards {
		p := newProducer()
		l.wg.Add(1)
		go l.run(ctx, p, s.Name)
	}
	return l
}

func (l *Load) run(ctx context.Context, p rocketmq.Producer, shard string) {
	defer l.wg.Done()
	Paced(ctx, l.every, func(n int) {
		key := fmt.Sprintf("%s-%s-%d", l.topic, shard, n)
		// A send in flight when the load stops runs to its own end: cut
		// short, it would be recorded as a failed write that never was.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), SendTimeout)
		res, err := Send(sctx, p, l.h, key, QueueMessage(l.topic, shard, n%l.queues, key, []byte(key)))
		cancel()
		if err == nil && l.onAck != nil {
			l.onAck(shard, res, time.Now())
		}
	})
}

// Paced calls write(0), write(1), ... once per period until ctx ends: a
// write rate, not a wait.
func Paced(ctx context.Context, period time.Duration, write func(n int)) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		write(n)
	}
}

// Stop ends the load and waits for in-flight sends.
func (l *Load) Stop() {
	l.cancel()
	l.wg.Wait()
}
