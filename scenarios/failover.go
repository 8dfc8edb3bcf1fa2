package scenarios

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
)

func init() {
	register(
		Case{
			Suite: "failover", Name: "kill-master",
			Promise: "With a shard's master killed under continuous load, the other shards keep accepting writes, the shard's replicated messages are read from its slave while the master is down, the master returns as brokerId 0 ASYNC_MASTER with the same brokerName on the same store, and no acknowledged message is lost.",
			Description: "Without DLedger (the addon's default) there is no failover: the platform recreates the master pod on its PVC and the shard takes no writes meanwhile; the write-unavailability window is measured. " +
				"Slave reads use PULL_MESSAGE straight to the slave (rocketmq-client-go #1055: its consumer cannot consume from a slave once the master died). " +
				"The load's producer refreshes routes every 30 s, so the window includes up to one refresh period after the master is back.",
			Needs:   []Capability{Messaging, Faults},
			Timeout: 150 * time.Second,
			Run:     killMaster,
		},
		Case{
			Suite: "failover", Name: "kill-slave",
			Promise: "With a slave killed under continuous load, every shard keeps accepting writes; the slave returns as SLAVE with the same brokerId and brokerName on its store and catches up with its master; no acknowledged message is lost.",
			Needs:   []Capability{Messaging, Faults},
			Timeout: 120 * time.Second,
			Run:     killSlave,
		},
		Case{
			Suite: "failover", Name: "namesrv-restart",
			Promise:     "A namesrv that is killed comes back and every broker registers with it again within one registration period (30 s, RocketMQ's default, which the addon keeps); writes go on from cached routes while it is down.",
			Description: "The namesrv keeps no state: after a restart its routes are empty until each broker's next periodic registration, so the case waits up to that protocol period and reports how long it took.",
			Needs:       []Capability{Messaging, Faults},
			Timeout:     120 * time.Second,
			Run:         namesrvRestart,
		},
	)
}

// faultRun is the common frame of the failover cases: a topic on every
// shard, a paced load over all of them, and a history.
type faultRun struct {
	t      *T
	shards []Shard
	topic  string
	h      *history.History
	load   *load
}

const faultQueues, faultRate = 4, 100

func (t *T) startFaultRun(ctx context.Context, prefix string) *faultRun {
	f := &faultRun{t: t, shards: t.shards(ctx), topic: uniqueName(prefix), h: history.New()}
	t.createTopic(ctx, f.topic, faultQueues)
	f.load = startLoad(ctx, f.h, t.producer(ctx), f.topic, f.shards, faultQueues, faultRate, nil)
	t.Cleanup(f.load.stop)
	// Faults start only once every shard has taken writes.
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := wait.Until(wctx, 50*time.Millisecond, "every shard to acknowledge writes", func(context.Context) (bool, string, error) {
		for _, s := range f.shards {
			if n := f.h.AcksIn(s.Name, history.Window{Start: time.Time{}, End: time.Now()}); n < 20 {
				return false, fmt.Sprintf("%s has %d acks", s.Name, n), nil
			}
		}
		return true, "", nil
	})
	if err != nil {
		t.Fatalf("before the fault: %v", err)
	}
	return f
}

// othersKeptWriting checks that every shard but skip took writes and none
// failed during w.
func (f *faultRun) keptWriting(w history.Window, skip string) {
	for _, s := range f.shards {
		if s.Name == skip {
			continue
		}
		acks, fails := f.h.AcksIn(s.Name, w), f.h.FailsIn(s.Name, w)
		f.t.Logf("shard %s during the fault (%s): %d writes acknowledged, %d failed", s.Name, w.Duration().Round(time.Millisecond), acks, fails)
		f.t.Figure("acked_during_fault_"+s.Name, float64(acks), "")
		if acks == 0 || fails > 0 {
			f.t.Errorf("shard %s did not keep accepting writes during the fault: %d acknowledged, %d failed", s.Name, acks, fails)
		}
	}
}

// noLoss stops the load, reads every queue back from every master and
// checks the history: no acknowledged message lost or duplicated.
func (f *faultRun) noLoss(ctx context.Context) {
	f.load.stop()
	for _, s := range f.t.shards(ctx) { // fresh: a recreated pod has a new address
		if err := f.t.readShard(ctx, f.h, "final", s.Master(), f.topic, faultQueues); err != nil {
			f.t.Errorf("read back shard %s from %s: %v", s.Name, s.Master().Pod, err)
		}
	}
	rep := f.h.Check("final")
	f.t.Logf("history, read back from the masters: %s", rep)
	if rep.Acked == 0 {
		f.t.Errorf("no write was acknowledged during the run: %s", rep)
	}
	f.t.Figure("acked", float64(rep.Acked), "")
	f.t.Figure("lost", float64(len(rep.Lost)), "")
	if !rep.OK() {
		f.t.Errorf("history: %s", rep)
	}
}

// checkIdentity checks a broker that came back is who it was.
func (t *T) checkIdentity(ctx context.Context, b Broker, role string) {
	cfg, err := t.admin().BrokerConfig(ctx, b.Addr)
	if err != nil {
		t.Errorf("read the config of %s after its return: %v", b.Pod, err)
		return
	}
	for key, want := range map[string]string{"brokerName": b.Shard, "brokerId": strconv.Itoa(b.Ordinal), "brokerRole": role} {
		if cfg[key] != want {
			t.Errorf("%s came back with %s=%s, expected %s", b.Pod, key, cfg[key], want)
		}
	}
	t.Logf("%s came back as %s brokerId %s of %s", b.Pod, cfg["brokerRole"], cfg["brokerId"], cfg["brokerName"])
}

// down reports whether nothing accepts connections at addr.
func down(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

func killMaster(ctx context.Context, t *T) {
	f := t.startFaultRun(ctx, "conformance-kill-master")
	victimShard := f.shards[0]
	if len(victimShard.Brokers) < 2 {
		t.Skipf("shard %s has no slave (replicas=1), so there is nothing to fail over to", victimShard.Name)
	}
	victim, slave := victimShard.Master(), victimShard.Slaves()[0]
	t.awaitSlaveTopics(ctx, f.topic)
	// Mark what is replicated: everything acknowledged before the slave
	// reached the master's offset read at the mark.
	mark := time.Now()
	masterAt, err := t.commitLogMax(ctx, victim)
	if err != nil {
		t.Fatalf("%v", err)
	}
	mctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err = wait.Until(mctx, 20*time.Millisecond, "slave "+slave.Pod+" to reach "+strconv.FormatInt(masterAt, 10), func(ctx context.Context) (bool, string, error) {
		s, err := t.commitLogMax(ctx, slave)
		return err == nil && s >= masterAt, fmt.Sprintf("slave at %d (%v)", s, err), nil
	})
	if err != nil {
		t.Fatalf("before the kill, the slave does not replicate: %v", err)
	}
	replicated := map[string]bool{}
	for _, op := range f.h.Ops() {
		if op.Kind == history.Ack && op.Shard == victimShard.Name && !op.At.After(mark) {
			replicated[op.ID] = true
		}
	}

	f.h.FaultStart("kill " + victim.Pod)
	killAt := time.Now()
	if err := t.Target.Kill(ctx, victim); err != nil {
		t.Erroredf("kill %s: %v", victim.Pod, err)
	}
	t.Logf("killed %s at %s", victim.Pod, killAt.Format(time.RFC3339Nano))
	// While the master is down, read its shard from the slave.
	slaveRead := time.Now()
	var readErr error
	for q := 0; q < faultQueues && readErr == nil; q++ {
		var msgs []remoting.Message
		msgs, readErr = t.readQueue(ctx, slave.Addr, f.topic, q)
		for _, m := range msgs {
			f.h.Deliver("slave-while-down", m.Keys(), victimShard.Name, m.QueueID, m.QueueOffset)
		}
	}
	stillDown := down(victim.Addr)
	if readErr != nil {
		t.Errorf("read shard %s from slave %s while its master was down: %v", victimShard.Name, slave.Pod, readErr)
	}
	if !stillDown {
		t.Erroredf("master %s was back before the slave read ended (%s after the kill); the read proves nothing: raise the recreate delay", victim.Pod, time.Since(killAt))
	}
	fromSlave := map[string]bool{}
	for _, op := range f.h.Ops() {
		if op.Kind == history.Deliver && op.Consumer == "slave-while-down" {
			fromSlave[op.ID] = true
		}
	}
	missing := 0
	for id := range replicated {
		if !fromSlave[id] {
			missing++
		}
	}
	t.Figure("read_from_slave", float64(len(fromSlave)), "")
	t.Logf("while %s was down, slave %s served %d messages of shard %s in %s; %d of them were acknowledged before the replication mark",
		victim.Pod, slave.Pod, len(fromSlave), victimShard.Name, time.Since(slaveRead).Round(time.Millisecond), len(replicated))
	if missing > 0 || len(replicated) == 0 {
		t.Errorf("slave %s served %d of the %d replicated messages of %s while the master was down", slave.Pod, len(replicated)-missing, len(replicated), victimShard.Name)
	}

	if err := t.Target.AwaitBack(ctx, victim); err != nil {
		t.Fatalf("master %s did not come back: %v", victim.Pod, err)
	}
	backAt := time.Now()
	f.h.FaultEnd("kill " + victim.Pod)
	t.Figure("back_registered_after", float64(backAt.Sub(killAt).Milliseconds()), "ms")
	t.checkIdentity(ctx, t.current(ctx, victim), "ASYNC_MASTER")
	f.keptWriting(history.Window{Start: killAt, End: backAt}, victimShard.Name)

	// The shard takes writes again once the producer has the master's route,
	// which it refreshes every 30 s.
	rctx, rcancel := context.WithTimeout(ctx, 45*time.Second)
	defer rcancel()
	err = wait.Until(rctx, 50*time.Millisecond, "shard "+victimShard.Name+" to accept writes again", func(context.Context) (bool, string, error) {
		return f.h.AcksIn(victimShard.Name, history.Window{Start: backAt, End: time.Now()}) > 0, "", nil
	})
	if err != nil {
		t.Errorf("shard %s took no write after its master came back: %v", victimShard.Name, err)
	}
	for _, o := range f.h.Unavailable(victimShard.Name) {
		if o.End.Before(killAt) {
			continue
		}
		t.Figure("write_unavailable", float64(o.Duration().Milliseconds()), "ms")
		t.Logf("shard %s refused writes for %s (%d failed sends), from %s; master down %s",
			victimShard.Name, o.Duration().Round(time.Millisecond), o.Failures, o.Start.Format("15:04:05.000"), backAt.Sub(killAt).Round(time.Millisecond))
		break
	}
	f.noLoss(ctx)
}

func killSlave(ctx context.Context, t *T) {
	f := t.startFaultRun(ctx, "conformance-kill-slave")
	sh := f.shards[0]
	if len(sh.Brokers) < 2 {
		t.Skipf("shard %s has no slave (replicas=1)", sh.Name)
	}
	victim := sh.Slaves()[0]
	f.h.FaultStart("kill " + victim.Pod)
	killAt := time.Now()
	if err := t.Target.Kill(ctx, victim); err != nil {
		t.Erroredf("kill %s: %v", victim.Pod, err)
	}
	if err := t.Target.AwaitBack(ctx, victim); err != nil {
		t.Fatalf("slave %s did not come back: %v", victim.Pod, err)
	}
	backAt := time.Now()
	f.h.FaultEnd("kill " + victim.Pod)
	t.Figure("back_registered_after", float64(backAt.Sub(killAt).Milliseconds()), "ms")
	f.keptWriting(history.Window{Start: killAt, End: backAt}, "")
	victim = t.current(ctx, victim)
	t.checkIdentity(ctx, victim, "SLAVE")
	f.load.stop()
	catchUp, err := t.awaitCaughtUp(ctx, sh.Master(), victim, 20*time.Second)
	if err != nil {
		t.Errorf("slave %s did not catch up with %s after its return: %v", victim.Pod, sh.Master().Pod, err)
	}
	t.Figure("catch_up", float64(catchUp.Milliseconds()), "ms")
	f.noLoss(ctx)
}

func namesrvRestart(ctx context.Context, t *T) {
	f := t.startFaultRun(ctx, "conformance-namesrv")
	rc := t.admin()
	cfg, err := rc.BrokerConfig(ctx, f.shards[0].Master().Addr)
	if err != nil {
		t.Fatalf("read broker config: %v", err)
	}
	const addonPeriod = 30000
	period, _ := strconv.Atoi(cfg["registerNameServerPeriod"])
	t.Logf("brokers register every %d ms (registerNameServerPeriod)", period)
	if period != addonPeriod {
		t.Errorf("%s runs with registerNameServerPeriod=%s; the addon keeps RocketMQ's %d", f.shards[0].Master().Pod, cfg["registerNameServerPeriod"], addonPeriod)
	}
	f.h.FaultStart("kill namesrv 0")
	killAt := time.Now()
	if err := t.Target.KillNamesrv(ctx, 0); err != nil {
		t.Erroredf("kill namesrv 0: %v", err)
	}
	if err := t.Target.AwaitNamesrvBack(ctx, 0); err != nil {
		t.Fatalf("namesrv 0 did not come back: %v", err)
	}
	backAt := time.Now()
	t.Figure("namesrv_down", float64(backAt.Sub(killAt).Milliseconds()), "ms")
	f.keptWriting(history.Window{Start: killAt, End: backAt}, "")
	ns := t.namesrvs(ctx) // fresh: a recreated namesrv pod has a new address
	wctx, cancel := context.WithTimeout(ctx, time.Duration(addonPeriod)*time.Millisecond+10*time.Second)
	defer cancel()
	err = wait.Until(wctx, 100*time.Millisecond, "every broker to register again with namesrv "+ns[0], func(ctx context.Context) (bool, string, error) {
		ci, err := rc.ClusterInfo(ctx, ns[0])
		if err != nil {
			return false, err.Error(), nil
		}
		for _, s := range f.shards {
			for _, b := range s.Brokers {
				if ci.BrokerAddrTable[s.Name].BrokerAddrs[int64(b.Ordinal)] != b.Addr {
					return false, b.Pod + " not registered yet", nil
				}
			}
		}
		return true, "", nil
	})
	f.h.FaultEnd("kill namesrv 0")
	if err != nil {
		t.Errorf("%v", err)
	} else {
		rereg := time.Since(backAt)
		t.Figure("reregistered_after", float64(rereg.Milliseconds()), "ms")
		t.Logf("every broker registered again %s after the namesrv came back", rereg.Round(time.Millisecond))
	}
	if err := t.awaitRoute(ctx, f.topic, f.shards, faultQueues); err != nil {
		t.Errorf("after the restart: %v", err)
	}
	f.noLoss(ctx)
}
