package scenarios

import (
	"slices"
	"testing"
	"time"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
)

// restartShard is a shard of a master and two slaves.
var restartShard = target.Shard{Name: "broker-a", Leader: 0, Brokers: []target.Broker{
	{Shard: "broker-a", Ordinal: 0, Pod: "c-broker-a-0"},
	{Shard: "broker-a", Ordinal: 1, Pod: "c-broker-a-1"},
	{Shard: "broker-a", Ordinal: 2, Pod: "c-broker-a-2"},
}}

// KubeBlocks' order: a shard's slaves from the highest ordinal, then its
// master; the namesrvs from the highest ordinal down.
func TestRestartGroups(t *testing.T) {
	got := restartGroups(target.Operation{Component: target.ComponentBroker}, []target.Shard{restartShard})
	if want := [][]string{{"c-broker-a-2", "c-broker-a-1", "c-broker-a-0"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("broker order %v, want %v", got, want)
	}
	got = restartGroups(target.Operation{Component: target.ComponentNamesrv, Pods: []string{"c-namesrv-0", "c-namesrv-10", "c-namesrv-2"}}, nil)
	if want := [][]string{{"c-namesrv-10", "c-namesrv-2", "c-namesrv-0"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("namesrv order %v, want %v", got, want)
	}
}

// The window in which sends to a shard may fail opens when its master's
// turn comes (its last slave Ready before the master started) and closes
// one route refresh and the slack after the master is Ready; a slave
// Ready after the master started does not move it.
func TestMasterRestartWindow(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 12, 6, 12, 0, s, 0, time.UTC) }
	op := target.Operation{Start: at(0), End: at(50), Incarnations: []target.Incarnation{
		{Pod: "c-broker-a-2", Started: at(1), Ready: at(5)},
		{Pod: "c-broker-a-1", Started: at(15), Ready: at(20)},
		{Pod: "c-broker-a-0", Started: at(30), Ready: at(40)},
		{Pod: "c-broker-a-1", Started: at(45), Ready: at(48)}, // a second start, after the master's
	}}
	want := history.Window{Start: at(20), End: at(40).Add(routeRefresh + boundSlack)}
	if got := masterRestartWindow(op, restartShard); got != want {
		t.Errorf("window %v, want %v", got, want)
	}
	op.Incarnations = op.Incarnations[:2] // the master never came back
	if got := masterRestartWindow(op, restartShard); got != (history.Window{Start: op.Start, End: op.End}) {
		t.Errorf("window without the master's return %v, want the whole operation", got)
	}
}
