package scenarios_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/internal/local"
	"github.com/rmqkb/conformance/internal/testenv"
	"github.com/rmqkb/conformance/scenarios"
)

// These tests plant a fault in a real RocketMQ topology and assert that the
// case which guards against it fails and says what broke: a check that
// cannot fail is a defect. The passing side is covered by the full default
// run (internal/cli TestDefaultRun).

// want is a case expected to fail, with substrings its observation must hold.
type want struct {
	id       string
	contains []string
}

func settings(t *testing.T, kvs ...string) []local.Setting {
	t.Helper()
	var out []local.Setting
	for _, kv := range kvs {
		s, err := local.ParseSetting("test", kv)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// expectFailures runs the wanted cases on tgt and checks each failed with
// its substrings.
func expectFailures(t *testing.T, tgt scenarios.Target, wants []want) {
	t.Helper()
	var ids []string
	for _, w := range wants {
		ids = append(ids, regexp.QuoteMeta(w.id))
	}
	cases, err := scenarios.Select("^(" + strings.Join(ids, "|") + ")$")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != len(wants) {
		t.Fatalf("selected %d cases for %d wanted", len(cases), len(wants))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	results := scenarios.Execute(ctx, tgt, cases, nil)
	byID := map[string]scenarios.Result{}
	for _, r := range results {
		byID[r.ID] = r
	}
	for _, w := range wants {
		r := byID[w.id]
		if r.Status != scenarios.Failed {
			t.Errorf("%s: status %s, want failed (observed: %s; evidence: %s)", w.id, r.Status, r.Observed, strings.Join(r.Evidence, " | "))
			continue
		}
		for _, sub := range w.contains {
			if !strings.Contains(r.Observed, sub) {
				t.Errorf("%s failed, but its observation does not mention %q:\n%s", w.id, sub, r.Observed)
			}
		}
		t.Logf("%s failed as planted (%s): %s", w.id, r.Duration.Round(time.Millisecond), firstLine(r.Observed))
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// TestPlantedConfigFaults: one topology whose brokers deviate from the
// addon's broker.conf in several ways at once; each guarding case fails.
func TestPlantedConfigFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real RocketMQ topology")
	}
	c := testenv.Start(t, 2, 2, local.WithBrokerConfig(
		settings(t, "flushDiskType=ASYNC_FLUSH", "autoCreateTopicEnable=true", "maxMessageSize=1048576"),
		nil,
		// Slaves in another cluster, and kept from replicating: their HA
		// client dials an address where no master listens.
		settings(t, "brokerClusterName=planted-elsewhere", "haMasterAddress=127.0.0.1:1"),
	))
	shards, err := c.Shards(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	master := shards[0].Master().Pod
	expectFailures(t, c, []want{
		{"routing/brokers-registered", []string{"planted-elsewhere"}},
		{"routing/topic-create", []string{"TBW102"}},
		{"messaging/message-size", []string{"maxMessageSize=1048576"}},
		{"replication/roles", []string{master, "flushDiskType=ASYNC_FLUSH", "autoCreateTopicEnable=true"}},
		{"replication/async-catch-up", []string{"did not catch up"}},
		{"replication/slave-content", []string{"to reach master"}},
		{"failover/kill-slave", []string{"did not catch up"}},
	})
}

// TestPlantedDeliveryFault: brokers that refuse every message body larger
// than 16 bytes; the messaging cases must not pass on zero deliveries.
func TestPlantedDeliveryFault(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real RocketMQ topology")
	}
	c := testenv.Start(t, 2, 2, local.WithBrokerConfig(settings(t, "maxMessageSize=16"), nil, nil))
	expectFailures(t, c, []want{
		{"messaging/round-trip", []string{"send"}},
		{"messaging/consumer-groups", []string{"no message was acknowledged"}},
	})
}

// TestPlantedFailoverFaults: a master whose store does not survive its
// recreation (a lost PVC), and brokers that re-register only every 60 s.
func TestPlantedFailoverFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real RocketMQ topology")
	}
	c := testenv.Start(t, 2, 2, local.WithLostVolumeOnRecreate(),
		local.WithBrokerConfig(settings(t, "registerNameServerPeriod=60000"), nil, nil))
	expectFailures(t, c, []want{
		{"failover/kill-master", []string{"lost"}},
		{"failover/namesrv-restart", []string{"registerNameServerPeriod=60000"}},
	})
}
