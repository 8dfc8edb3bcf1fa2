package readback

import (
	"context"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/target"
)

// Member is a follower's read of a topic beside its leader's, queue by
// queue, taken once the follower covered the leader's offsets: what a
// follower holds must be what its leader committed (the class of
// apache/rocketmq#6509, acknowledged messages truncated after an
// election).
type Member struct {
	Shard          string
	Leader, Member target.Broker
	Waited         time.Duration // how long the follower took to cover want
	Mine, Theirs   map[int][]remoting.Message
	Err            error
}

// ReadMember waits until member covers want (the leader's last offset by
// queue), then reads queues 0..queues-1 of topic from member and leader.
func ReadMember(ctx context.Context, rc *remoting.Client, s target.Shard, member target.Broker, topic string, queues int, want map[int]int64) Member {
	m := Member{Shard: s.Name, Leader: s.Master(), Member: member, Mine: map[int][]remoting.Message{}, Theirs: map[int][]remoting.Message{}}
	m.Waited = AwaitCovered(ctx, rc, member, topic, want).Waited
	for q := 0; q < queues && m.Err == nil; q++ {
		m.Mine[q], m.Err = Queue(ctx, rc, member.Addr, topic, q)
		if m.Err == nil {
			m.Theirs[q], m.Err = Queue(ctx, rc, m.Leader.Addr, topic, q)
		}
	}
	return m
}
