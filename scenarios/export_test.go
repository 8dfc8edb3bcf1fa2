package scenarios

import (
	"context"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/election"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// SendTimeout is how long a send may take before it counts as failed: a
// plant that freezes a broker must keep it frozen longer.
const SendTimeout = load.SendTimeout

// ElectionLimit bounds a DLedger election: a plant that keeps a shard
// from electing must keep it so longer.
const ElectionLimit = election.Limit

// Plants are faults planted at the suite's edge, for the planted-fault
// table (plants_test.go). They reach a case only through a Session the
// tests build, in one run of it (RunWith).
type Plants = plants

// RunWith runs c in s with p instead of the session's plants. A fault run
// the session already recorded is judged again with p, not performed
// again: p's judge and read plants act on a copy of the record.
func (s *Session) RunWith(ctx context.Context, c Case, p Plants) verdict.Result {
	return s.run(ctx, c, p)
}

// JudgeOnly reports whether p acts only when a recorded run is judged, so
// a row can judge again a run another row recorded: its judge, read,
// config, delivery, attribution and label plants act on a copy of what a
// run recorded. (A case that records nothing to share reads through them
// as it runs, in whichever session.)
func (p Plants) JudgeOnly() bool {
	return p.cluster == nil && p.sample == nil && p.stopped == nil && p.rename == nil && p.topics == nil && !p.signUnsigned && p.churnRounds == 0 && p.exporterCollect == 0
}

// OneChurnRound makes failover/leader-churn kill one leader instead of
// three, for plants that need only one election to show their clause
// failing.
func OneChurnRound() Plants { return plants{churnRounds: 1} }

// FastExporter waits 5 s for the exporter's series instead of its
// collection period, for the tests' exporter, which answers at once.
func FastExporter() Plants { return plants{exporterCollect: 5 * time.Second} }

// PlantDelivery passes every consumer callback's messages through f; who
// names the consumer (all-tags, TagA, clu-1, clu-2, bro-1, bro-2, nsi).
func PlantDelivery(f func(who string, msgs []*primitive.MessageExt) []*primitive.MessageExt) Plants {
	return plants{deliver: f}
}

// PlantAttribution counts every delivery to consumer who for the member
// f names instead.
func PlantAttribution(f func(who string) string) Plants { return plants{attribute: f} }

// PlantRead passes what every direct broker read returns through f.
func PlantRead(f func(addr string, msgs []remoting.Message) []remoting.Message) Plants {
	return plants{readMsg: f}
}

// PlantConfig passes every broker config the cases read through f, which
// may change it in place.
func PlantConfig(f func(addr string, cfg map[string]string)) Plants { return plants{config: f} }

// PlantClusterInfo passes every namesrv cluster table the cases read
// through clusterInfo to f, which may change it in place.
func PlantClusterInfo(f func(ns string, ci *remoting.ClusterInfo)) Plants { return plants{cluster: f} }

// PlantTopics passes every topic table the cases read through f.
func PlantTopics(f func(addr string, cfgs map[string]remoting.TopicConfig)) Plants {
	return plants{topics: f}
}

// SignUnsigned makes accounts/acl-enforced sign the request it means to
// send unsigned.
func SignUnsigned() Plants { return plants{signUnsigned: true} }

// PlantLoadStopped runs f once a case's load has stopped, before it
// waits for its slaves to catch up.
func PlantLoadStopped(f func(shards []target.Shard)) Plants { return plants{stopped: f} }

// PlantLabels judges a fault run's role labels as f sets them on the shard
// it recorded: a platform that labels roles, and labels them so.
func PlantLabels(f func(s target.Shard) target.Shard) Plants { return plants{labels: f} }

// PlantRename makes the case use f(name) for every fresh name it makes.
func PlantRename(f func(name string) string) Plants { return plants{rename: f} }

// PlantSampling runs f before every commit-log offset sample.
func PlantSampling(f func(ctx context.Context)) Plants { return plants{sample: f} }

// PlantOperation changes, with f, a copy of each operation an operations
// case recorded, as the case judges it.
func PlantOperation(f func(op *target.Operation)) Plants { return plants{operation: f} }

// PlantRegistered changes, with f, the list of brokers the namesrvs did
// not list again after an operation, as the case judges it.
func PlantRegistered(f func(missing []string) []string) Plants { return plants{registered: f} }

// PlantProbe changes, with f, how a master took operations/reconfigure's
// probe body (step: "before", or the value then set), as the case judges
// it.
func PlantProbe(f func(step, shard string, err error) error) Plants { return plants{probe: f} }

// PlantPodRun changes, with f, what a pod was recorded running with (its
// memory limit, its JVM's heap flags), as the case judges it.
func PlantPodRun(f func(pod string, run *target.PodRun)) Plants { return plants{podRun: f} }

// PlantJudging runs f on a copy of a case's history just before the case
// judges it.
func PlantJudging(f func(h *history.History)) Plants { return plants{judge: f} }
