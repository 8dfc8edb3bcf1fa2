package local

import (
	"strings"
	"testing"

	"github.com/rmqkb/conformance/internal/topology"
)

func TestBrokerConfLikeTheAddon(t *testing.T) {
	id := BrokerIdentity{Cluster: "rmq", Shard: "broker-x7k", Ordinal: 0, Port: 30911}
	conf := BrokerConf(id, nil, nil, nil)
	for key, want := range map[string]string{
		"brokerClusterName": "rmq", "brokerName": "broker-x7k", "brokerId": "0", "brokerRole": "ASYNC_MASTER",
		"flushDiskType": "SYNC_FLUSH", "autoCreateTopicEnable": "false", "autoCreateSubscriptionGroup": "true",
		"maxMessageSize": "5242880", "listenPort": "30911", "brokerIP1": "127.0.0.1", "brokerIP2": "127.0.0.1",
	} {
		if got, _ := conf.Get(key); got != want {
			t.Errorf("master %s=%q, want %q", key, got, want)
		}
	}
	if _, ok := conf.Get("slaveReadEnable"); ok {
		t.Error("the addon does not set slaveReadEnable")
	}
	slave := BrokerConf(BrokerIdentity{Cluster: "rmq", Shard: "broker-x7k", Ordinal: 2, Port: 30915}, nil, nil, nil)
	if r, _ := slave.Get("brokerRole"); r != "SLAVE" {
		t.Errorf("ordinal 2 brokerRole=%s, want SLAVE", r)
	}
	if id, _ := slave.Get("brokerId"); id != "2" {
		t.Errorf("ordinal 2 brokerId=%s, want 2", id)
	}
}

func TestBrokerConfOverridesReplaceInPlace(t *testing.T) {
	all := []Setting{{"flushDiskType", "ASYNC_FLUSH"}, {"traceOn", "false"}}
	master := []Setting{{"brokerRole", "SYNC_MASTER"}}
	slave := []Setting{{"haMasterAddress", "127.0.0.1:1"}}
	m := BrokerConf(BrokerIdentity{Ordinal: 0}, all, master, slave)
	s := BrokerConf(BrokerIdentity{Ordinal: 1}, all, master, slave)
	if v, _ := m.Get("flushDiskType"); v != "ASYNC_FLUSH" {
		t.Errorf("--broker-config not applied: %s", v)
	}
	if strings.Count(m.String(), "flushDiskType=") != 1 {
		t.Errorf("a key appears twice:\n%s", m)
	}
	if v, _ := m.Get("brokerRole"); v != "SYNC_MASTER" {
		t.Errorf("--master-config not applied to the master: %s", v)
	}
	if v, _ := s.Get("brokerRole"); v != "SLAVE" {
		t.Errorf("--master-config leaked to a slave: %s", v)
	}
	if _, ok := m.Get("haMasterAddress"); ok {
		t.Error("--slave-config leaked to the master")
	}
	if v, _ := s.Get("haMasterAddress"); v != "127.0.0.1:1" {
		t.Errorf("--slave-config not applied to the slave: %s", v)
	}
}

func TestParseSetting(t *testing.T) {
	if s, err := ParseSetting("--broker-config", "maxMessageSize=1024"); err != nil || s != (Setting{"maxMessageSize", "1024"}) {
		t.Errorf("got %v, %v", s, err)
	}
	if s, err := ParseSetting("--broker-config", "brokerPermission="); err != nil || s.Value != "" {
		t.Errorf("an empty value is a value: %v, %v", s, err)
	}
	for in, say := range map[string]string{
		"flushDiskType":         "expected KEY=VALUE",
		"=x":                    "is not a broker config key",
		"bad key=1":             "is not a broker config key",
		"listenPort=1":          "listenPort cannot be overridden",
		"storePathRootDir=/tmp": "cannot be overridden",
		"traceOn=a\nbrokerId=9": "line break",
	} {
		_, err := ParseSetting("--slave-config", in)
		if err == nil || !strings.Contains(err.Error(), say) || !strings.Contains(err.Error(), "--slave-config") {
			t.Errorf("ParseSetting(%q) = %v, want an error naming the flag and %q", in, err, say)
		}
	}
}

func TestHeapFollowsTheAddonFormula(t *testing.T) {
	for limit, want := range map[int64]int64{
		4 << 30:  1024, // max(min(2048,1024), min(1024,8192))
		2 << 30:  1024,
		1 << 30:  512,
		16 << 30: 4096,
		64 << 30: 8192,
	} {
		if got := Heap(limit); got != want {
			t.Errorf("Heap(%d MiB) = %d, want %d", limit>>20, got, want)
		}
	}
}

func TestJavaMajor(t *testing.T) {
	for out, want := range map[string]int{
		`openjdk version "17.0.15" 2025-04-15`: 17,
		`java version "1.8.0_392"`:             8,
		`openjdk version "25" 2025-09-16`:      25,
	} {
		if got, err := javaMajor([]byte(out)); err != nil || got != want {
			t.Errorf("javaMajor(%q) = %d, %v; want %d", out, got, err, want)
		}
	}
	if _, err := javaMajor([]byte("command not found")); err == nil {
		t.Error("no version: want an error")
	}
}

func TestShardNames(t *testing.T) {
	taken := map[string]bool{}
	for i := 0; i < 50; i++ {
		n := shardName(taken)
		if len(n) != len("broker-xxx") || !strings.HasPrefix(n, "broker-") {
			t.Fatalf("shard name %q", n)
		}
	}
	if len(taken) != 50 {
		t.Errorf("names repeat: %d distinct of 50", len(taken))
	}
}

// TestBrokerConfDLedger: in DLedger mode broker-setup.sh appends the Raft
// group, the member id and every member instead of brokerId and role.
func TestBrokerConfDLedger(t *testing.T) {
	ids := []BrokerIdentity{
		{Cluster: "rmq", Shard: "broker-x7k", Ordinal: 0, Port: 30911},
		{Cluster: "rmq", Shard: "broker-x7k", Ordinal: 1, Port: 30916},
		{Cluster: "rmq", Shard: "broker-x7k", Ordinal: 2, Port: 30921},
	}
	peers := dLegerPeers(ids)
	if peers != "n0-127.0.0.1:30913;n1-127.0.0.1:30918;n2-127.0.0.1:30923" {
		t.Errorf("dLegerPeers = %q", peers)
	}
	id := ids[1]
	id.Peers = peers
	conf := brokerConf(id, Template{ExtraEnv: true, Mode: topology.Mode{DLedger: true}}, nil, nil, nil)
	for key, want := range map[string]string{"aclEnable": "false", "enableDLegerCommitLog": "true", "dLegerGroup": "broker-x7k", "dLegerSelfId": "n1", "dLegerPeers": peers} {
		if got, _ := conf.Get(key); got != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
	for _, key := range []string{"brokerId", "brokerRole"} {
		if v, ok := conf.Get(key); ok {
			t.Errorf("%s=%s: in DLedger mode Raft decides, broker-setup.sh writes no %s", key, v, key)
		}
	}
}
