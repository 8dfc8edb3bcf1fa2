package scenarios

import (
	"context"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/history"
)

// SendTimeout is how long a send may take before it counts as failed: a
// plant that freezes a broker must keep it frozen longer.
const SendTimeout = sendTimeout

// OneChurnRound makes failover/leader-churn kill one leader instead of
// three, for plants that need only one election to show their clause
// failing; it returns the undo.
func OneChurnRound() func() {
	churnRounds = 1
	return func() { churnRounds = 3 }
}

// FastExporter waits 15 s for the exporter's series instead of its
// collection period, for the tests' exporter, which answers at once; it
// returns the undo.
func FastExporter() func() {
	exporterCollect = 15 * time.Second
	return func() { exporterCollect = 150 * time.Second }
}

// The edge plants, for the planted-fault table (plants_test.go). Each
// setter returns the function that removes the plant.

// PlantDelivery passes every consumer callback's messages through f; who
// names the consumer (all-tags, TagA, clu-1, clu-2, bro-1, bro-2).
func PlantDelivery(f func(who string, msgs []*primitive.MessageExt) []*primitive.MessageExt) func() {
	return plants.set(func(p *edgePlants) { p.deliver = f })
}

// PlantRead passes what every direct broker read returns through f.
func PlantRead(f func(addr string, msgs []remoting.Message) []remoting.Message) func() {
	return plants.set(func(p *edgePlants) { p.readMsg = f })
}

// PlantConfig passes every broker config the cases read through f, which
// may change it in place.
func PlantConfig(f func(addr string, cfg map[string]string)) func() {
	return plants.set(func(p *edgePlants) { p.config = f })
}

// PlantClusterInfo passes every namesrv cluster table the cases read
// through clusterInfo to f, which may change it in place.
func PlantClusterInfo(f func(ns string, ci *remoting.ClusterInfo)) func() {
	return plants.set(func(p *edgePlants) { p.cluster = f })
}

// PlantSampling runs f before every commit-log offset sample.
func PlantSampling(f func(ctx context.Context)) func() {
	return plants.set(func(p *edgePlants) { p.sample = f })
}

// PlantLoaded runs f on a fault run's history once its load runs, before
// the fault.
func PlantLoaded(f func(h *history.History)) func() {
	return plants.set(func(p *edgePlants) { p.loaded = f })
}

// PlantJudging runs f on a case's history once its writes are done.
func PlantJudging(f func(h *history.History)) func() {
	return plants.set(func(p *edgePlants) { p.judge = f })
}

// set applies change under the lock and returns the function that clears
// every plant.
func (p *edgePlants) set(change func(*edgePlants)) func() {
	p.mu.Lock()
	defer p.mu.Unlock()
	change(p)
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.deliver, p.readMsg, p.config, p.cluster, p.sample, p.loaded, p.judge = nil, nil, nil, nil, nil, nil, nil
	}
}
