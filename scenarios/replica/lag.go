package replica

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/target"
)

// Ack is when a message was acknowledged and where the master stored it.
type Ack struct {
	At     time.Time
	Offset int64 // commit log offset
}

// Lags returns, for each acknowledged message, how long after its ack the
// slave was first seen holding it; a message never seen is left out.
func Lags(acks []Ack, samples []Sample) []time.Duration {
	var out []time.Duration
	for _, a := range acks {
		i := sort.Search(len(samples), func(i int) bool { return samples[i].Slave > a.Offset })
		if i == len(samples) {
			continue
		}
		out = append(out, max(0, samples[i].At.Sub(a.At)))
	}
	return out
}

// AwaitCaughtUp waits until slave's commit log reaches master's, as the
// master's was when the wait began (the writes have stopped; another
// run's writes to the same master, a fault beside this one, are not what
// the slave is waited for), and returns how long that took.
func AwaitCaughtUp(ctx context.Context, rc *remoting.Client, master, slave target.Broker, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	goal := int64(-1)
	err := wait.Until(wctx, 20*time.Millisecond, "slave "+slave.Pod+" to reach master "+master.Pod, func(ctx context.Context) (bool, string, error) {
		if goal < 0 {
			m, err := CommitLogMax(ctx, rc, master)
			if err != nil {
				return false, wait.Reason(err), nil
			}
			goal = m
		}
		s, err := CommitLogMax(ctx, rc, slave)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		return s >= goal, fmt.Sprintf("master commitLogMaxOffset %d when the wait began, slave %d (%d bytes behind)", goal, s, goal-s), nil
	})
	return time.Since(start), err
}
