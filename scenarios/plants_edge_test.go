package scenarios_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/internal/local"
	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/scenarios/history"
)

// The edge plants of the table: faults no broker setting produces in
// exactly one way, planted in the suite's own hands (consumers, reads, the
// sampler, the history) or in what the target reports.

// shardsOf reads the bench's shards; the local target cannot fail to.
func shardsOf(c *local.Cluster) []scenarios.Shard {
	s, err := c.Shards(context.Background())
	if err != nil {
		panic(err)
	}
	return s
}

// reshaped is a target that reports other shards (and topology) than the
// bench runs: labels that drifted, a platform that advertises wrongly.
type reshaped struct {
	*local.Cluster
	topo     func(scenarios.Topology) scenarios.Topology
	shards   func([]scenarios.Shard) []scenarios.Shard
	namesrvs func([]string) []string
	labels   bool // it labels roles, as a platform does
}

func (r reshaped) Namesrvs(ctx context.Context) ([]string, error) {
	ns, err := r.Cluster.Namesrvs(ctx)
	if err != nil || r.namesrvs == nil {
		return ns, err
	}
	return r.namesrvs(ns), nil
}

func (r reshaped) Topology() scenarios.Topology {
	if r.topo == nil {
		return r.Cluster.Topology()
	}
	return r.topo(r.Cluster.Topology())
}

func (r reshaped) Shards(ctx context.Context) ([]scenarios.Shard, error) {
	s, err := r.Cluster.Shards(ctx)
	if err != nil || r.shards == nil {
		return s, err
	}
	return r.shards(s), nil
}

func (r reshaped) Lacks(c scenarios.Capability) string {
	if c == scenarios.RoleLabels && r.labels {
		return ""
	}
	return r.Cluster.Lacks(c)
}

func reshape(c *local.Cluster, r reshaped) (scenarios.Target, func()) {
	r.Cluster = c
	return r, func() {}
}

func noShards(c *local.Cluster) (scenarios.Target, func()) {
	return reshape(c, reshaped{shards: func([]scenarios.Shard) []scenarios.Shard { return nil }})
}

func oneShardHidden(c *local.Cluster) (scenarios.Target, func()) {
	return reshape(c, reshaped{
		topo:   func(t scenarios.Topology) scenarios.Topology { t.Shards--; return t },
		shards: func(s []scenarios.Shard) []scenarios.Shard { return s[:len(s)-1] },
	})
}

func advertisedElsewhere(c *local.Cluster) (scenarios.Target, func()) {
	return reshape(c, reshaped{shards: func(s []scenarios.Shard) []scenarios.Shard {
		s[0].Brokers[1].Addr = "127.0.0.1:1"
		return s
	}})
}

// namesrvIsABroker lists a master's address as the namesrv: an ACL
// broker, which refuses unsigned requests, where a namesrv would answer.
func namesrvIsABroker(c *local.Cluster) (scenarios.Target, func()) {
	master := shardsOf(c)[0].Master().Addr
	return reshape(c, reshaped{namesrvs: func(ns []string) []string { return []string{master} }})
}

func mislabelledSlave(c *local.Cluster) (scenarios.Target, func()) {
	return reshape(c, reshaped{labels: true, shards: func(s []scenarios.Shard) []scenarios.Shard {
		for i := range s {
			for j := range s[i].Brokers {
				s[i].Brokers[j].RoleLabel = map[bool]string{true: "master", false: "slave"}[j == 0]
			}
		}
		s[0].Brokers[1].RoleLabel = "master"
		return s
	}})
}

// once runs f on the first message a matching call sees, and passes every
// other through.
type once struct {
	mu   sync.Mutex
	done bool
}

func (o *once) first() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return false
	}
	o.done = true
	return true
}

// deliveryPlant plants f on the deliveries of consumer who.
func deliveryPlant(who string, f func(msgs []*primitive.MessageExt) []*primitive.MessageExt) func(*local.Cluster) (scenarios.Target, func()) {
	return func(c *local.Cluster) (scenarios.Target, func()) {
		return c, scenarios.PlantDelivery(func(w string, msgs []*primitive.MessageExt) []*primitive.MessageExt {
			if w != who || len(msgs) == 0 {
				return msgs
			}
			return f(msgs)
		})
	}
}

func dropOne(who string) func(*local.Cluster) (scenarios.Target, func()) {
	var o once
	return deliveryPlant(who, func(msgs []*primitive.MessageExt) []*primitive.MessageExt {
		if o.first() {
			return msgs[1:]
		}
		return msgs
	})
}

func dropAll(who string) func(*local.Cluster) (scenarios.Target, func()) {
	return deliveryPlant(who, func([]*primitive.MessageExt) []*primitive.MessageExt { return nil })
}

func duplicateOne(who string) func(*local.Cluster) (scenarios.Target, func()) {
	var o once
	return deliveryPlant(who, func(msgs []*primitive.MessageExt) []*primitive.MessageExt {
		if o.first() {
			return append([]*primitive.MessageExt{msgs[0]}, msgs...)
		}
		return msgs
	})
}

// altered returns a copy of m changed by f, so the consumer's own message
// is left as the broker sent it.
func altered(m *primitive.MessageExt, f func(*primitive.MessageExt)) *primitive.MessageExt {
	cp := &primitive.MessageExt{MsgId: m.MsgId, QueueOffset: m.QueueOffset, StoreHost: m.StoreHost}
	cp.Topic, cp.Body, cp.Queue = m.Topic, append([]byte(nil), m.Body...), m.Queue
	cp.WithProperties(m.GetProperties())
	f(cp)
	return cp
}

func alterFirst(who string, f func(*primitive.MessageExt)) func(*local.Cluster) (scenarios.Target, func()) {
	var o once
	return deliveryPlant(who, func(msgs []*primitive.MessageExt) []*primitive.MessageExt {
		if o.first() {
			return append([]*primitive.MessageExt{altered(msgs[0], f)}, msgs[1:]...)
		}
		return msgs
	})
}

var (
	changeBody     = alterFirst("all-tags", func(m *primitive.MessageExt) { m.Body = append(m.Body, '!') })
	changeProperty = alterFirst("all-tags", func(m *primitive.MessageExt) { m.WithProperty("conformance-seq", "planted") })
	retag          = alterFirst("TagA", func(m *primitive.MessageExt) { m.WithTag("TagB") })
)

// swapTwo holds back the all-tags consumer's first delivery until the next
// one of the same queue has been delivered: the queue arrives out of order.
func swapTwo(c *local.Cluster) (scenarios.Target, func()) {
	var mu sync.Mutex
	var held *primitive.MessageExt
	done := false
	return deliveryPlant("all-tags", func(msgs []*primitive.MessageExt) []*primitive.MessageExt {
		mu.Lock()
		defer mu.Unlock()
		var out []*primitive.MessageExt
		for _, m := range msgs {
			switch {
			case !done && held == nil:
				held = m
			case !done && sameQueue(held, m):
				out = append(out, m, held)
				done = true
			default:
				out = append(out, m)
			}
		}
		return out
	})(c)
}

func sameQueue(a, b *primitive.MessageExt) bool {
	return a.Queue != nil && b.Queue != nil && a.Queue.BrokerName == b.Queue.BrokerName && a.Queue.QueueId == b.Queue.QueueId
}

// readPlant plants f on the first read from an address pick chooses.
func readPlant(pick func(c *local.Cluster, addr string) bool, f func([]remoting.Message) []remoting.Message) func(*local.Cluster) (scenarios.Target, func()) {
	return func(c *local.Cluster) (scenarios.Target, func()) {
		var o once
		return c, scenarios.PlantRead(func(addr string, msgs []remoting.Message) []remoting.Message {
			if len(msgs) == 0 || !pick(c, addr) || !o.first() {
				return msgs
			}
			return f(msgs)
		})
	}
}

// ordinalAt reports whether addr is a broker of the first shard at ordinal n.
func ordinalAt(n int) func(c *local.Cluster, addr string) bool {
	return func(c *local.Cluster, addr string) bool {
		b := shardsOf(c)[0].Brokers
		return n < len(b) && b[n].Addr == addr
	}
}

func anyMaster(c *local.Cluster, addr string) bool {
	for _, s := range shardsOf(c) {
		if s.Master().Addr == addr {
			return true
		}
	}
	return false
}

var (
	corruptBigRead = readPlant(func(_ *local.Cluster, _ string) bool { return true }, func(msgs []remoting.Message) []remoting.Message {
		if len(msgs[0].Body) < 1<<20 {
			return msgs
		}
		m := msgs[0]
		m.Body = append([]byte(nil), m.Body...)
		m.Body[0] ^= 0xff
		return append([]remoting.Message{m}, msgs[1:]...)
	})
	changeSlaveKey = readPlant(ordinalAt(1), func(msgs []remoting.Message) []remoting.Message {
		m := msgs[0]
		m.Properties = map[string]string{"KEYS": "planted-key"}
		return append([]remoting.Message{m}, msgs[1:]...)
	})
	dropSlaveRead = readPlant(ordinalAt(1), func(msgs []remoting.Message) []remoting.Message { return msgs[1:] })
	duplicateRead = readPlant(anyMaster, func(msgs []remoting.Message) []remoting.Message {
		return append([]remoting.Message{msgs[0]}, msgs...)
	})
)

// ghostAck adds to the case's history an acknowledgement of a message that
// was never sent, at the queue and offset of a real one: no broker holds
// it, so it must be reported lost, with where it was acknowledged.
func ghostAck(c *local.Cluster) (scenarios.Target, func()) {
	return c, scenarios.PlantJudging(func(h *history.History) {
		acked := h.Acked()
		if len(acked) == 0 {
			return
		}
		a := acked[0]
		h.Invoke("planted-ghost", a.Shard)
		h.Ack("planted-ghost", a.Shard, a.Queue, a.Offset)
	})
}

// failedAfterFault records a failed send to the second shard once the
// writes are done, outside any fault window.
func failedAfterFault(c *local.Cluster) (scenarios.Target, func()) {
	other := shardsOf(c)[1].Name
	return c, scenarios.PlantJudging(func(h *history.History) {
		h.Invoke("planted-late-failure", other)
		h.Fail("planted-late-failure", other, errors.New("planted: a send that failed after the fault"))
	})
}

// failedBeforeFault records a failed send once the load runs, before the
// fault is injected.
func failedBeforeFault(c *local.Cluster) (scenarios.Target, func()) {
	shard := shardsOf(c)[0].Name
	return c, scenarios.PlantLoaded(func(h *history.History) {
		h.Invoke("planted-early-failure", shard)
		h.Fail("planted-early-failure", shard, errors.New("planted: a send that failed before the kill"))
	})
}

// stalledSampler blocks every offset sample until sampling stops.
func stalledSampler(c *local.Cluster) (scenarios.Target, func()) {
	return c, scenarios.PlantSampling(func(ctx context.Context) { <-ctx.Done() })
}

// faultyPlatform is a target whose faults reach further than asked: a kill
// or a namesrv kill that also freezes other processes (a node going down
// with the pod), thawed once the victim is back (or, with thawEarly, as
// the victim is awaited) or, with thawLate, only once the case is over.
type faultyPlatform struct {
	*local.Cluster
	freeze    func(victim scenarios.Broker) []string
	frozen    []string
	frozenAt  time.Time
	thawEarly bool
	thawLate  bool
}

func (f *faultyPlatform) Kill(ctx context.Context, b scenarios.Broker) error {
	if err := f.Cluster.Kill(ctx, b); err != nil {
		return err
	}
	return f.freezeAll(b)
}

func (f *faultyPlatform) freezeAll(victim scenarios.Broker) error {
	f.frozen, f.frozenAt = f.freeze(victim), time.Now()
	for _, pod := range f.frozen {
		if err := f.Cluster.Freeze(pod); err != nil {
			return err
		}
	}
	return nil
}

func (f *faultyPlatform) AwaitBack(ctx context.Context, b scenarios.Broker) error {
	if f.thawEarly {
		f.thaw()
	} else {
		defer f.thaw()
	}
	return f.Cluster.AwaitBack(ctx, b)
}

func (f *faultyPlatform) KillNamesrv(ctx context.Context, i int) error {
	if err := f.Cluster.KillNamesrv(ctx, i); err != nil {
		return err
	}
	return f.freezeAll(scenarios.Broker{})
}

func (f *faultyPlatform) AwaitNamesrvBack(ctx context.Context, i int) error {
	if !f.thawLate {
		defer f.thaw()
	}
	return f.Cluster.AwaitNamesrvBack(ctx, i)
}

// thaw resumes the frozen processes, but not before a send to them has
// timed out: thawed sooner, the send would only be slow, not failed.
func (f *faultyPlatform) thaw() {
	if len(f.frozen) == 0 {
		return
	}
	<-time.After(time.Until(f.frozenAt.Add(scenarios.SendTimeout + 2*time.Second))) // the plant's length, not a wait for a condition
	for _, pod := range f.frozen {
		f.Cluster.Thaw(pod)
	}
	f.frozen = nil
}

// killFreezesOtherMaster freezes the master of the shard the victim is not
// in, until the victim is awaited back.
func killFreezesOtherMaster(c *local.Cluster) (scenarios.Target, func()) {
	f := &faultyPlatform{Cluster: c, freeze: func(victim scenarios.Broker) []string {
		for _, s := range shardsOf(c) {
			if s.Name != victim.Shard {
				return []string{s.Master().Pod}
			}
		}
		return nil
	}}
	return f, f.thaw
}

// namesrvKillFreezesSlave freezes the first shard's slave with the
// namesrv, and thaws it only after the case: it cannot register again.
func namesrvKillFreezesSlave(c *local.Cluster) (scenarios.Target, func()) {
	f := &faultyPlatform{Cluster: c, thawLate: true, freeze: func(scenarios.Broker) []string { return []string{shardsOf(c)[0].Brokers[1].Pod} }}
	return f, f.thaw
}

// namesrvKillFreezesMaster freezes the first shard's master while the
// namesrv is down: writes to it fail although its route is cached.
func namesrvKillFreezesMaster(c *local.Cluster) (scenarios.Target, func()) {
	f := &faultyPlatform{Cluster: c, freeze: func(scenarios.Broker) []string { return []string{shardsOf(c)[0].Master().Pod} }}
	return f, f.thaw
}

// The recreation plants: what a platform could do to a broker's store
// between a kill and its return.

// lostStore empties the store, keeping only broker.conf: a PVC lost and
// replaced by an empty one, the config written again on first boot.
func lostStore(r local.Recreated) error {
	conf, err := os.ReadFile(r.Conf())
	if err != nil {
		return err
	}
	if err := os.RemoveAll(r.Store); err != nil {
		return err
	}
	if err := os.MkdirAll(r.Store, 0o755); err != nil {
		return err
	}
	return os.WriteFile(r.Conf(), conf, 0o644)
}

// lostTopics removes the broker's topic config (and its backup, which a
// 4.9 broker falls back to): the messages stay, the topics are gone.
func lostTopics(r local.Recreated) error {
	for _, f := range []string{"topics.json", "topics.json.bak"} {
		if err := os.Remove(filepath.Join(r.Store, "config", f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// appendConf adds lines to broker.conf; a later key wins in a Java
// properties file.
func appendConf(kvs ...string) func(local.Recreated) error {
	return func(r local.Recreated) error {
		f, err := os.OpenFile(r.Conf(), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteString(strings.Join(kvs, "\n") + "\n")
		return err
	}
}

func onMaster(f func(local.Recreated) error) func(local.Recreated) error {
	return func(r local.Recreated) error {
		if !r.Master {
			return nil
		}
		return f(r)
	}
}

func onSlave(f func(local.Recreated) error) func(local.Recreated) error {
	return func(r local.Recreated) error {
		if r.Master {
			return nil
		}
		return f(r)
	}
}

func both(fs ...func(local.Recreated) error) func(local.Recreated) error {
	return func(r local.Recreated) error {
		for _, f := range fs {
			if err := f(r); err != nil {
				return err
			}
		}
		return nil
	}
}
