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

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/local"
	"github.com/rmqkb/conformance/verdict"
)

// The edge plants of the table: faults no broker setting produces in
// exactly one way, planted in the suite's own hands (consumers, reads, the
// sampler, the history) or in what the target reports.

// shardsOf reads the bench's shards; the local target cannot fail to.
func shardsOf(c *local.Cluster) []target.Shard {
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
	shards   func([]target.Shard) []target.Shard
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

func (r reshaped) Shards(ctx context.Context) ([]target.Shard, error) {
	s, err := r.Cluster.Shards(ctx)
	if err != nil || r.shards == nil {
		return s, err
	}
	return r.shards(s), nil
}

func (r reshaped) Abilities() target.Abilities {
	a := r.Cluster.Abilities()
	if r.labels {
		delete(a.Cannot, verdict.RoleLabels)
	}
	return a
}

func reshape(c *local.Cluster, r reshaped) planted {
	r.Cluster = c
	return planted{target: r}
}

func noShards(c *local.Cluster) planted {
	return reshape(c, reshaped{shards: func([]target.Shard) []target.Shard { return nil }})
}

func oneShardHidden(c *local.Cluster) planted {
	return reshape(c, reshaped{
		topo:   func(t scenarios.Topology) scenarios.Topology { t.Shards--; return t },
		shards: func(s []target.Shard) []target.Shard { return s[:len(s)-1] },
	})
}

func advertisedElsewhere(c *local.Cluster) planted {
	return reshape(c, reshaped{shards: func(s []target.Shard) []target.Shard {
		s[0].Brokers[1].Addr = "127.0.0.1:1"
		return s
	}})
}

// namesrvIsABroker lists a master's address as the namesrv: an ACL
// broker, which refuses unsigned requests, where a namesrv would answer.
func namesrvIsABroker(c *local.Cluster) planted {
	master := shardsOf(c)[0].Master().Addr
	return reshape(c, reshaped{namesrvs: func(ns []string) []string { return []string{master} }})
}

func mislabelledSlave(c *local.Cluster) planted {
	return reshape(c, reshaped{labels: true, shards: func(s []target.Shard) []target.Shard {
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
func deliveryPlant(who string, f func(msgs []*primitive.MessageExt) []*primitive.MessageExt) edge {
	return func(c *local.Cluster) planted {
		return with(scenarios.PlantDelivery(func(w string, msgs []*primitive.MessageExt) []*primitive.MessageExt {
			if w != who || len(msgs) == 0 {
				return msgs
			}
			return f(msgs)
		}))
	}
}

func dropOne(who string) edge {
	var o once
	return deliveryPlant(who, func(msgs []*primitive.MessageExt) []*primitive.MessageExt {
		if o.first() {
			return msgs[1:]
		}
		return msgs
	})
}

// countedAs counts every delivery to member who for member as: the group
// received everything once, but who was never seen to consume.
func countedAs(who, as string) edge {
	return func(*local.Cluster) planted {
		return with(scenarios.PlantAttribution(func(w string) string {
			if w == who {
				return as
			}
			return w
		}))
	}
}

func duplicateOne(who string) edge {
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

func alterFirst(who string, f func(*primitive.MessageExt)) edge {
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
func swapTwo(c *local.Cluster) planted {
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
func readPlant(pick func(c *local.Cluster, addr string) bool, f func([]remoting.Message) []remoting.Message) edge {
	return func(c *local.Cluster) planted {
		var o once
		return with(scenarios.PlantRead(func(addr string, msgs []remoting.Message) []remoting.Message {
			if len(msgs) == 0 || !pick(c, addr) || !o.first() {
				return msgs
			}
			return f(msgs)
		}))
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
func ghostAck(c *local.Cluster) planted {
	return with(scenarios.PlantJudging(func(h *history.History) {
		acked := h.Acked()
		if len(acked) == 0 {
			return
		}
		a := acked[0]
		h.Invoke("planted-ghost", a.Shard)
		h.Ack("planted-ghost", a.Shard, a.Queue, a.Offset)
	}))
}

// failedAfterFault records a failed send to the last shard once the
// writes are done, outside any fault window.
func failedAfterFault(c *local.Cluster) planted {
	s := shardsOf(c)
	other := s[len(s)-1].Name
	return with(scenarios.PlantJudging(func(h *history.History) {
		h.Invoke("planted-late-failure", other)
		h.Fail("planted-late-failure", other, errors.New("planted: a send that failed after the fault"))
	}))
}

// failedBeforeFault records, as if a second before the fault, a send to
// the first shard that failed.
func failedBeforeFault(c *local.Cluster) planted {
	shard := shardsOf(c)[0].Name
	return with(scenarios.PlantJudging(func(h *history.History) {
		for _, op := range h.Ops() {
			if op.Kind == history.FaultStart {
				at := op.At.Add(-time.Second)
				h.Insert(history.Op{Kind: history.Invoke, At: at, ID: "planted-early-failure", Shard: shard})
				h.Insert(history.Op{Kind: history.Fail, At: at, ID: "planted-early-failure", Shard: shard, Err: "planted: a send that failed before the kill"})
				return
			}
		}
	}))
}

// failedSlaveNotAvailable records one send answered SLAVE_NOT_AVAILABLE,
// as a master that waits on its slave answers.
func failedSlaveNotAvailable(c *local.Cluster) planted {
	shard := shardsOf(c)[0].Name
	return with(scenarios.PlantJudging(func(h *history.History) {
		h.Invoke("planted-sync-wait", shard)
		h.Fail("planted-sync-wait", shard, errors.New("planted: send status SLAVE_NOT_AVAILABLE"))
	}))
}

// frozenAfterReturn is a platform whose killed master comes back and is
// frozen at once, until past the bound on its taking writes again: it is
// registered, but takes none. Frozen, it waits on no run queue, so the
// clause fails however busy the machine is.
func frozenAfterReturn(c *local.Cluster) planted {
	f := &refreezer{Cluster: c}
	return planted{target: killRefreezes{f}, undo: f.thawNow}
}

// refreezeAfterThaw is a freezer whose thaw does not hold: the master
// runs again for a moment and is frozen again, until past the bound on
// its shard taking writes again.
func refreezeAfterThaw(c *local.Cluster) planted {
	f := &refreezer{Cluster: c}
	return planted{target: thawRefreezes{f}, undo: f.thawNow}
}

// refreezeFor is how long a refreezer keeps its broker frozen: past the
// route refresh and its slack (35 s), and no longer, so that what the
// case reads of the broker afterwards it can read.
const refreezeFor = 37 * time.Second

// refreezer freezes a broker for refreezeFor, then thaws it.
type refreezer struct {
	*local.Cluster
	mu     sync.Mutex
	frozen *target.Broker
	timer  *time.Timer
}

func (r *refreezer) freeze(b target.Broker) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.Cluster.Freeze(b.Pod); err != nil {
		return err
	}
	r.frozen = &b
	r.timer = time.AfterFunc(refreezeFor, r.thawNow) // the plant's length, not a wait for a condition
	return nil
}

func (r *refreezer) thawNow() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer != nil {
		r.timer.Stop()
	}
	if r.frozen != nil {
		r.Cluster.Thaw(r.frozen.Pod)
		r.frozen = nil
	}
}

// killRefreezes freezes a killed broker as soon as it is back.
type killRefreezes struct{ *refreezer }

func (k killRefreezes) AwaitBack(ctx context.Context, b target.Broker) error {
	if err := k.Cluster.AwaitBack(ctx, b); err != nil {
		return err
	}
	return k.freeze(b)
}

// thawRefreezes freezes a thawed broker again at once.
type thawRefreezes struct{ *refreezer }

func (t thawRefreezes) Abilities() target.Abilities {
	a := t.Cluster.Abilities()
	a.Freezer = t
	return a
}

func (t thawRefreezes) ThawBroker(ctx context.Context, b target.Broker) error {
	if err := t.Cluster.ThawBroker(ctx, b); err != nil {
		return err
	}
	return t.freeze(b)
}

// nextAckShifted acknowledges the message sent after the over-limit one
// one offset further than the broker did, as if the rejected message had
// taken an offset.
func nextAckShifted(c *local.Cluster) planted {
	return with(scenarios.PlantJudging(func(h *history.History) {
		for _, op := range h.Acked() {
			if op.ID == "after-over-limit" {
				op.Offset++
				op.At = op.At.Add(-time.Nanosecond)
				h.Insert(op)
			}
		}
	}))
}

// stalledSampler blocks every offset sample until sampling stops.
func stalledSampler(c *local.Cluster) planted {
	return with(scenarios.PlantSampling(func(ctx context.Context) { <-ctx.Done() }))
}

// configOf changes, in every config the cases read, what the broker pick
// chooses reports.
func configOf(pick func(c *local.Cluster, addr string) bool, change func(cfg map[string]string)) edge {
	return func(c *local.Cluster) planted {
		return with(scenarios.PlantConfig(func(addr string, cfg map[string]string) {
			if pick(c, addr) {
				change(cfg)
			}
		}))
	}
}

// setConfig is configOf setting key to value.
func setConfig(pick func(c *local.Cluster, addr string) bool, key, value string) edge {
	return configOf(pick, func(cfg map[string]string) { cfg[key] = value })
}

func anyBroker(*local.Cluster, string) bool { return true }

// anotherCluster lists, in every namesrv's cluster table, a second
// cluster holding the first shard.
func anotherCluster(c *local.Cluster) planted {
	shard := shardsOf(c)[0].Name
	return with(scenarios.PlantClusterInfo(func(_ string, ci *remoting.ClusterInfo) {
		ci.ClusterAddrTable["planted-elsewhere"] = []string{shard}
	}))
}

// faultyPlatform is a target whose faults reach further than asked: a kill
// or a namesrv kill that also freezes other processes (a node going down
// with the pod), thawed once the victim is back (or, with thawEarly, as
// the victim is awaited) or, with thawLate, only once the case is over.
type faultyPlatform struct {
	*local.Cluster
	freeze    func(victim target.Broker) []string
	frozen    []string
	frozenAt  time.Time
	thawEarly bool
	thawLate  bool
}

func (f *faultyPlatform) Kill(ctx context.Context, b target.Broker) error {
	if err := f.Cluster.Kill(ctx, b); err != nil {
		return err
	}
	return f.freezeAll(b)
}

func (f *faultyPlatform) freezeAll(victim target.Broker) error {
	f.frozen, f.frozenAt = f.freeze(victim), time.Now()
	for _, pod := range f.frozen {
		if err := f.Cluster.Freeze(pod); err != nil {
			return err
		}
	}
	return nil
}

func (f *faultyPlatform) AwaitBack(ctx context.Context, b target.Broker) error {
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
	return f.freezeAll(target.Broker{})
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
func killFreezesOtherMaster(c *local.Cluster) planted {
	f := &faultyPlatform{Cluster: c, freeze: func(victim target.Broker) []string {
		for _, s := range shardsOf(c) {
			if s.Name != victim.Shard {
				return []string{s.Master().Pod}
			}
		}
		return nil
	}}
	return planted{target: f, undo: f.thaw}
}

// namesrvKillFreezesSlave freezes the second shard's slave with the
// namesrv, and thaws it only after the case: it cannot register again.
// failover/kill-slave runs beside it, as in a run of the suite: the
// namesrv is killed once the first shard's slave is back from its kill,
// and the namesrv's wait covers that run's catch-up and read-back.
func namesrvKillFreezesSlave(c *local.Cluster) planted {
	f := &freezeAtNamesrvKill{Cluster: c, pod: shardsOf(c)[1].Slaves()[0].Pod}
	return planted{target: f, undo: f.thaw, beside: "failover/kill-slave"}
}

// freezeAtNamesrvKill freezes pod when a namesrv is killed, and nothing
// else: a broker kill beside it goes as on the bench.
type freezeAtNamesrvKill struct {
	*local.Cluster
	pod    string
	frozen bool
}

func (f *freezeAtNamesrvKill) KillNamesrv(ctx context.Context, i int) error {
	if err := f.Cluster.KillNamesrv(ctx, i); err != nil {
		return err
	}
	f.frozen = true
	return f.Cluster.Freeze(f.pod)
}

func (f *freezeAtNamesrvKill) thaw() {
	if f.frozen {
		f.Cluster.Thaw(f.pod)
	}
}

// namesrvKillFreezesMaster freezes the first shard's master while the
// namesrv is down: writes to it fail although its route is cached.
func namesrvKillFreezesMaster(c *local.Cluster) planted {
	f := &faultyPlatform{Cluster: c, freeze: func(target.Broker) []string { return []string{shardsOf(c)[0].Master().Pod} }}
	return planted{target: f, undo: f.thaw}
}

// slaveFrozen freezes the first shard's slave (SIGSTOP) for the row, on
// top of the slave-blocked bench's own fault. A slave kept from
// replicating but running is, on a starved machine, rightly judged
// inconclusive (it might only have been late); a stopped one is not
// starved, so the row fails its clause whatever runs beside it.
func slaveFrozen(c *local.Cluster) planted {
	pod := shardsOf(c)[0].Slaves()[0].Pod
	if err := c.Freeze(pod); err != nil {
		panic(err)
	}
	return planted{undo: func() { c.Thaw(pod) }}
}

// The recreation plants: what a platform could do to a broker's store
// between a kill and its return.

// lostMessages empties the store of its messages, keeping broker.conf and
// the broker's config folder (its topics): a PVC restored from a backup
// of the config alone. The master comes back as itself, takes writes
// again, and serves none of what it acknowledged before.
func lostMessages(r local.Recreated) error {
	entries, err := os.ReadDir(r.Store)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if p := filepath.Join(r.Store, e.Name()); p != r.Conf() && e.Name() != "config" {
			if err := os.RemoveAll(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// namesrvListsSlaveElsewhere answers every namesrv cluster table with the
// first shard's slave at port 1 of its host.
func namesrvListsSlaveElsewhere(c *local.Cluster) planted {
	slave := shardsOf(c)[0].Brokers[1]
	return with(scenarios.PlantClusterInfo(func(_ string, ci *remoting.ClusterInfo) {
		if bd, ok := ci.BrokerAddrTable[slave.Shard]; ok {
			bd.BrokerAddrs[1] = "127.0.0.1:1"
		}
	}))
}

// templateTopicListed answers every topic table with TBW102 in it, as a
// broker that auto-creates topics holds it.
func templateTopicListed(*local.Cluster) planted {
	return with(scenarios.PlantTopics(func(_ string, cfgs map[string]remoting.TopicConfig) {
		cfgs["TBW102"] = remoting.TopicConfig{TopicName: "TBW102", ReadQueueNums: 8, WriteQueueNums: 8, Perm: 7}
	}))
}

// uncreatedTopicExists creates a topic on every master and has the case
// send to it as the topic nobody created: the send succeeds and the
// topic is routed, as on a broker that auto-creates topics.
func uncreatedTopicExists(c *local.Cluster) planted {
	const existing = "planted-existing-topic"
	rc := remoting.New()
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, s := range shardsOf(c) {
		if err := rc.CreateTopic(ctx, s.Master().Addr, remoting.TopicConfig{TopicName: existing, ReadQueueNums: 1, WriteQueueNums: 1, Perm: 6}); err != nil {
			panic(err)
		}
	}
	return with(scenarios.PlantRename(func(name string) string {
		if strings.HasPrefix(name, "conformance-uncreated-") {
			return existing
		}
		return name
	}))
}

// signsUnsigned makes the request meant to go unsigned go signed.
func signsUnsigned(*local.Cluster) planted { return with(scenarios.SignUnsigned()) }

// noMasterLabel is a platform that labels every broker slave: after a
// fault no pod of the shard is labelled master.
func noMasterLabel(c *local.Cluster) planted {
	return reshape(c, reshaped{labels: true, shards: func(s []target.Shard) []target.Shard {
		for i := range s {
			for j := range s[i].Brokers {
				s[i].Brokers[j].RoleLabel = "slave"
			}
		}
		return s
	}})
}

// benchTarget is what a planted target of the expiry bench can do: all
// the bench can.
type benchTarget interface {
	target.Target
	target.Freezer
	target.ProcessTable
}

// oneShard narrows a target to one shard of the bench: a Cluster of one
// shard, so that rows on different shards run side by side.
type oneShard struct {
	benchTarget
	i int
}

func (o oneShard) Topology() scenarios.Topology {
	t := o.benchTarget.Topology()
	t.Shards = 1
	return t
}

func (o oneShard) Shards(ctx context.Context) ([]target.Shard, error) {
	s, err := o.benchTarget.Shards(ctx)
	if err != nil || o.i >= len(s) {
		return nil, err
	}
	return s[o.i : o.i+1], nil
}

// onShard plants e (nil: nothing) on the bench narrowed to shard i.
func onShard(i int, e edge) edge {
	return func(c *local.Cluster) planted {
		pl := planted{}
		if e != nil {
			pl = e(c)
		}
		var inner benchTarget = c
		if pl.target != nil {
			inner = pl.target.(benchTarget)
		}
		pl.target = oneShard{inner, i}
		return pl
	}
}

// frozenAtStop freezes the first shard's master and slave as the case's
// load stops, for longer than the catch-up's bound: the slave cannot
// reach its master in time. Frozen, neither waits on a run queue, so the
// clause fails however busy the machine is.
func frozenAtStop(c *local.Cluster) planted {
	var mu sync.Mutex
	var frozen []string
	thaw := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, pod := range frozen {
			c.Thaw(pod)
		}
		frozen = nil
	}
	return planted{plants: scenarios.PlantLoadStopped(func(shards []target.Shard) {
		mu.Lock()
		defer mu.Unlock()
		for _, b := range []target.Broker{shards[0].Master(), shards[0].Slaves()[0]} {
			if c.Freeze(b.Pod) == nil {
				frozen = append(frozen, b.Pod)
			}
		}
		time.AfterFunc(25*time.Second, thaw) // the plant's length, not a wait for a condition
	}), undo: thaw}
}
