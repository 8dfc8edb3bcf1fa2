package replica

import (
	"context"
	"sync"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/target"
)

// Sample is one reading of a master and one slave.
type Sample struct {
	At            time.Time // when the slave was read
	Master, Slave int64
}

// Sampler reads a master/slave pair's commit log offsets at a fixed
// interval, so replication lag is measured rather than inferred.
type Sampler struct {
	Master, Slave target.Broker
	rc            *remoting.Client

	mu      sync.Mutex
	samples []Sample
	cancel  context.CancelFunc
	done    chan struct{}
}

// StartSampler reads master and slave every period until Stop; before
// each reading it calls before (nil: nothing), where the tests plant a
// stalled sampler.
func StartSampler(ctx context.Context, rc *remoting.Client, master, slave target.Broker, every time.Duration, before func(context.Context)) *Sampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &Sampler{Master: master, Slave: slave, rc: rc, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every) // the sampling interval
		defer tick.Stop()
		for {
			if before != nil {
				before(ctx)
			}
			s.read(ctx)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// read adds one sample, when both brokers answer.
func (s *Sampler) read(ctx context.Context) {
	m, err1 := CommitLogMax(ctx, s.rc, s.Master)
	sl, err2 := CommitLogMax(ctx, s.rc, s.Slave)
	if err1 != nil || err2 != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples = append(s.samples, Sample{At: time.Now(), Master: m, Slave: sl})
}

// Stop ends sampling after one last reading, so the samples always end
// with the state the caller last observed.
func (s *Sampler) Stop(ctx context.Context) []Sample {
	s.cancel()
	<-s.done
	s.read(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}
