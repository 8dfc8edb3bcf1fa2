// Package topic creates topics on the masters and observes where they
// are known: the namesrvs' routes of a topic and the slaves' topic
// tables. It judges nothing: a create is never trusted by its reply, so
// the cases wait here until the route shows it, and judge what was seen.
package topic

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/target"
)

// Create creates topic with queues read and write queues and read-write
// permission on the master of every shard.
func Create(ctx context.Context, rc *remoting.Client, shards []target.Shard, topic string, queues int) error {
	for _, s := range shards {
		m := s.Master()
		if err := rc.CreateTopic(ctx, m.Addr, remoting.TopicConfig{TopicName: topic, ReadQueueNums: queues, WriteQueueNums: queues, Perm: 6}); err != nil {
			return fmt.Errorf("create topic %s on master %s (%s): %w", topic, m.Pod, m.Addr, err)
		}
	}
	return nil
}

// AwaitRoute waits, up to limit, until every namesrv of namesrvs routes
// topic to exactly shards, each with queues read and write queues. When
// they do not, it returns how the last route it read differed ("" if it
// read none: every read failed, which says nothing of the route) and why
// the wait ended.
func AwaitRoute(ctx context.Context, rc *remoting.Client, namesrvs []string, topic string, shards []target.Shard, queues int, limit time.Duration) (string, error) {
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var differs string
	err := wait.Until(wctx, 100*time.Millisecond, "the route of "+topic+" on every namesrv", func(ctx context.Context) (bool, string, error) {
		for _, addr := range namesrvs {
			r, err := rc.TopicRoute(ctx, addr, topic)
			switch {
			case remoting.IsTopicNotExist(err):
				differs = fmt.Sprintf("namesrv %s has no route of it", addr)
				return false, differs, nil
			case err != nil:
				return false, fmt.Sprintf("namesrv %s: %v", addr, err), nil
			}
			if why := RouteMismatch(r, shards, queues); why != "" {
				differs = fmt.Sprintf("namesrv %s: %s", addr, why)
				return false, differs, nil
			}
		}
		return true, "", nil
	})
	return differs, err
}

// RouteMismatch says how a route differs from every shard with queues
// read/write queues and read-write permission, or "".
func RouteMismatch(r *remoting.TopicRoute, shards []target.Shard, queues int) string {
	got := map[string]remoting.QueueData{}
	for _, q := range r.QueueDatas {
		got[q.BrokerName] = q
	}
	var problems []string
	for _, s := range shards {
		q, ok := got[s.Name]
		switch {
		case !ok:
			problems = append(problems, s.Name+" missing")
		case q.ReadQueueNums != queues || q.WriteQueueNums != queues:
			problems = append(problems, fmt.Sprintf("%s has %d read / %d write queues", s.Name, q.ReadQueueNums, q.WriteQueueNums))
		case q.Perm&6 != 6:
			problems = append(problems, fmt.Sprintf("%s has perm %d, not read-write", s.Name, q.Perm))
		}
		delete(got, s.Name)
	}
	for name := range got {
		problems = append(problems, "unexpected broker "+name)
	}
	sort.Strings(problems)
	return strings.Join(problems, "; ")
}

// AwaitOnSlaves waits, up to limit in all, until every slave of shards
// holds topic in its topic table: a 4.9 slave copies its master's every
// 10 s and serves a topic only once it has it.
func AwaitOnSlaves(ctx context.Context, rc *remoting.Client, shards []target.Shard, topic string, limit time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for _, s := range shards {
		for _, sl := range s.Slaves() {
			err := wait.Until(wctx, 200*time.Millisecond, "slave "+sl.Pod+" to sync topic "+topic, func(ctx context.Context) (bool, string, error) {
				cfgs, err := rc.TopicConfigs(ctx, sl.Addr)
				if err != nil {
					return false, wait.Reason(err), nil
				}
				_, ok := cfgs[topic]
				return ok, "topic not in the slave's topic config yet", nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
