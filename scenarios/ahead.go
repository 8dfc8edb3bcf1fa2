package scenarios

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/rmqkb/conformance/verdict"
)

// topicAhead is a topic a run needs its slaves to know before it starts:
// a 4.9 slave copies topic config from its master only every 10 s
// (slaveTopicSync), so a topic created when the run starts costs the run
// up to that period before its fault can be injected. A session creates
// such topics ahead, once the cluster is judged ready, and the slaves sync
// them while earlier suites run. Nothing is judged of an ahead topic: a
// run that finds none (a failed create, a run alone) creates its own.
type topicAhead struct {
	prefix string
	queues int
}

// aheadTopic is one topic a session created ahead, and when.
type aheadTopic struct {
	name string
	at   time.Time
}

// WithSelection tells a session which cases it will run, so that it can
// create ahead the topics their runs wait on (topicAhead).
func WithSelection(cases []Case) SessionOption {
	return func(s *Session) { s.selection = cases }
}

// topicsAhead lists, once each, the ahead topics the cases that would run
// here need, of a case or of the run it shares.
func (s *Session) topicsAhead(cases []Case) []topicAhead {
	var out []topicAhead
	for _, c := range cases {
		if st, _ := s.gate(context.Background(), c); st != "" {
			continue
		}
		want := c.topics
		if c.Shares != nil {
			want = append(slices.Clip(want), c.Shares.topics()...)
		}
		for _, a := range want {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// createAhead creates, once per session and before the first suite that
// does not gate, the topics the selection's runs wait on. It is a step of
// that suite's setup. A topic that cannot be created is left out, and
// said: its run creates one itself and is judged as without this.
func (s *Session) createAhead(ctx context.Context, suite string, say func(format string, args ...any)) []verdict.Step {
	s.mu.Lock()
	done := s.aheadDone || s.notReady != ""
	s.aheadDone = true
	s.mu.Unlock()
	specs := s.topicsAhead(s.selection)
	if done || len(specs) == 0 {
		return nil
	}
	start := time.Now()
	var names []string
	for _, a := range specs {
		name := uniqueName(a.prefix)
		rec := verdict.NewRecord(verdict.Case{Suite: "shared", Name: "topic " + name})
		t := &T{T: rec.T(), Target: s.tgt, rec: rec, session: s, id: "the topic " + name, plants: s.plants}
		perform(ctx, t, func(ctx context.Context, t *T) { createTopic(ctx, t, name, a.queues) })
		if r := rec.Result(time.Since(start)); r.Status != verdict.Passed {
			say("  topic %s not created ahead (%s): its run creates its own", name, r.Observed)
			continue
		}
		s.mu.Lock()
		s.ahead[a] = aheadTopic{name: name, at: time.Now()}
		s.mu.Unlock()
		names = append(names, name)
	}
	took := time.Since(start)
	say("created %d topics ahead, for the slaves to sync before their runs (%s): %s", len(names), took.Round(100*time.Millisecond), strings.Join(names, ", "))
	return []verdict.Step{{Suite: suite, Name: "setup: topics created ahead", Duration: took}}
}

// useTopic is the topic named by prefix with queues for case t: the one
// its session created ahead, taken so no other run writes to it, or else
// one created now. An ahead topic is checked to be routed again: a
// namesrv may have restarted since.
func useTopic(ctx context.Context, t *T, prefix string, queues int) string {
	if t.session != nil {
		t.session.mu.Lock()
		a, ok := t.session.ahead[topicAhead{prefix, queues}]
		delete(t.session.ahead, topicAhead{prefix, queues})
		t.session.mu.Unlock()
		if ok {
			differs, err := awaitRoute(ctx, t, a.name, awaitShards(ctx, t), queues)
			if err == nil {
				t.Logf("topic %s was created ahead, %s before this run took it, so that its slaves had synced it", a.name, time.Since(a.at).Round(100*time.Millisecond))
				return a.name
			}
			t.Logf("topic %s, created ahead, is not routed as it was (%s: %v): a new one is created", a.name, differs, err)
		}
	}
	name := uniqueName(prefix)
	createTopic(ctx, t, name, queues)
	return name
}
