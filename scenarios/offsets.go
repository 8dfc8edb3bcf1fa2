package scenarios

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/target"
)

// commitLogMax reads a broker's commitLogMaxOffset from its runtime info
// (GET_BROKER_RUNTIME_INFO), the byte position replication is measured by.
func commitLogMax(t *T, ctx context.Context, b target.Broker) (int64, error) {
	info, err := adminOf(t).BrokerRuntimeInfo(ctx, b.Addr)
	if err != nil {
		return 0, fmt.Errorf("runtime info of %s: %w", b.Pod, err)
	}
	v, err := strconv.ParseInt(info["commitLogMaxOffset"], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s reports commitLogMaxOffset=%q: %w", b.Pod, info["commitLogMaxOffset"], err)
	}
	return v, nil
}

// offsetSample is one reading of a master and one slave.
type offsetSample struct {
	at            time.Time // when the slave was read
	master, slave int64
}

// sampler reads a master/slave pair's commit log offsets at a fixed
// interval, so replication lag is measured rather than inferred.
type sampler struct {
	master, slave target.Broker
	every         time.Duration

	mu      sync.Mutex
	samples []offsetSample
	errs    int
	cancel  context.CancelFunc
	done    chan struct{}
}

func startSampler(t *T, ctx context.Context, master, slave target.Broker, every time.Duration) *sampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &sampler{master: master, slave: slave, every: every, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every) // the sampling interval
		defer tick.Stop()
		for {
			t.plants.sampling(ctx)
			m, err1 := commitLogMax(t, ctx, master)
			sl, err2 := commitLogMax(t, ctx, slave)
			s.mu.Lock()
			if err1 != nil || err2 != nil {
				s.errs++
			} else {
				s.samples = append(s.samples, offsetSample{at: time.Now(), master: m, slave: sl})
			}
			s.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop ends sampling after one last reading, so the samples always end
// with the state the caller last observed.
func (s *sampler) stop(ctx context.Context, t *T) []offsetSample {
	s.cancel()
	<-s.done
	m, err1 := commitLogMax(t, ctx, s.master)
	sl, err2 := commitLogMax(t, ctx, s.slave)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err1 == nil && err2 == nil {
		s.samples = append(s.samples, offsetSample{at: time.Now(), master: m, slave: sl})
	}
	return s.samples
}

// ackAt is when a message was acknowledged and where the master stored it.
type ackAt struct {
	at     time.Time
	offset int64 // commit log offset
}

// replicationLags returns, for each acked message, how long after its ack
// the slave was first seen holding it; a message never seen is left out.
func replicationLags(acks []ackAt, samples []offsetSample) []time.Duration {
	var out []time.Duration
	for _, a := range acks {
		i := sort.Search(len(samples), func(i int) bool { return samples[i].slave > a.offset })
		if i == len(samples) {
			continue
		}
		lag := samples[i].at.Sub(a.at)
		if lag < 0 {
			lag = 0
		}
		out = append(out, lag)
	}
	return out
}

// awaitCaughtUp waits until slave's commit log reaches master's and returns
// how long that took.
func awaitCaughtUp(t *T, ctx context.Context, master, slave target.Broker, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	err := wait.Until(wctx, 20*time.Millisecond, "slave "+slave.Pod+" to reach master "+master.Pod, func(ctx context.Context) (bool, string, error) {
		m, err := commitLogMax(t, ctx, master)
		if err != nil {
			return false, err.Error(), nil
		}
		s, err := commitLogMax(t, ctx, slave)
		if err != nil {
			return false, err.Error(), nil
		}
		return s >= m, fmt.Sprintf("master commitLogMaxOffset %d, slave %d (%d bytes behind)", m, s, m-s), nil
	})
	return time.Since(start), err
}
