package manifests

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rmqkb/conformance/internal/topology"
)

// envOf returns the env entries of a component spec as name -> value.
func envOf(t *testing.T, spec map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range list(spec, "env") {
		em := e.(map[string]any)
		if _, dup := out[str(em, "name")]; dup {
			t.Errorf("env %s twice", str(em, "name"))
		}
		out[str(em, "name")] = str(em, "value")
	}
	return out
}

// TestWithModeWritesWhatTheAddonsChartWrites: the annotation for the
// broker config template, and the same switches as env of the broker
// shards, the exporter and the dashboard, whose setup scripts read only
// their environment (KubeBlocks 1.0.2 does not turn the annotation into
// env: on kind, a DLedger Cluster with the annotation alone crash-looped
// every broker, and an ACL one had no admin account).
func TestWithModeWritesWhatTheAddonsChartWrites(t *testing.T) {
	c := DefaultCluster().WithMode(topology.Mode{ACL: true, DLedger: true})
	var ann map[string]string
	if err := json.Unmarshal([]byte(c.Object["metadata"].(map[string]any)["annotations"].(map[string]any)[ExtraEnvAnnotation].(string)), &ann); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ENABLE_ACL": "true", "ENABLE_DLEDGER": "true"}
	if !reflect.DeepEqual(ann, want) {
		t.Errorf("annotation %v, want %v", ann, want)
	}
	for _, cs := range list(c.Object, "spec", "componentSpecs") {
		cm := cs.(map[string]any)
		got := envOf(t, cm)
		switch str(cm, "name") {
		case "exporter", "dashboard":
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s env %v, want %v", str(cm, "name"), got, want)
			}
		default:
			if len(got) != 0 {
				t.Errorf("%s env %v: the chart sets none on it", str(cm, "name"), got)
			}
		}
	}
	tpl := list(c.Object, "spec", "shardings")[0].(map[string]any)["template"].(map[string]any)
	if got := envOf(t, tpl); !reflect.DeepEqual(got, want) {
		t.Errorf("broker template env %v, want %v", got, want)
	}
	if acc := list(tpl, "systemAccounts"); len(acc) != 1 || str(acc[0].(map[string]any), "passwordConfig", "seed") != c.Name {
		t.Errorf("systemAccounts %v, want rocketmq-admin seeded with the Cluster's name", acc)
	}
	// A second mode replaces the switches, it does not add to them.
	again := c.WithMode(topology.Mode{DLedger: true})
	tpl = list(again.Object, "spec", "shardings")[0].(map[string]any)["template"].(map[string]any)
	if got := envOf(t, tpl); got["ENABLE_ACL"] != "false" || got["ENABLE_DLEDGER"] != "true" || len(got) != 2 {
		t.Errorf("env after a second mode %v", got)
	}
	if m := again.Mode(); m.ACL || !m.DLedger {
		t.Errorf("mode %+v", m)
	}
	if plain := DefaultCluster().WithMode(topology.Mode{}); !reflect.DeepEqual(plain.Object, DefaultCluster().Object) {
		t.Error("the zero mode changed the Cluster")
	}
}

// TestParseClusterReadsTheModeOnce: the mode comes from the annotation as
// the manifest is parsed, a malformed annotation is an error naming the
// manifest and the annotation, and a manifest written by WithMode parses
// back to the mode it was given.
func TestParseClusterReadsTheModeOnce(t *testing.T) {
	base, _ := files.ReadFile("cluster.yaml")
	withAnnotation := func(value string) []byte {
		doc := strings.Replace(string(base), "  name: rocketmq-cluster\n",
			"  name: rocketmq-cluster\n  annotations:\n    "+ExtraEnvAnnotation+": '"+value+"'\n", 1)
		if doc == string(base) {
			t.Fatal("fixture metadata.name not found in cluster.yaml")
		}
		return []byte(doc)
	}
	c, err := ParseCluster(withAnnotation(`{"ENABLE_ACL":"True","ENABLE_DLEDGER":"false"}`), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Mode(); m != (topology.Mode{ACL: true}) || c.Topology().Mode != m {
		t.Errorf("mode %+v, topology's %+v; want acl", m, c.Topology().Mode)
	}
	_, err = ParseCluster(withAnnotation(`ENABLE_ACL=true`), "x.yaml")
	if err == nil || !strings.Contains(err.Error(), "x.yaml") || !strings.Contains(err.Error(), ExtraEnvAnnotation+" is not a JSON object of strings") {
		t.Errorf("malformed annotation: %v, want an error naming x.yaml and the annotation", err)
	}
	if m := DefaultCluster().Mode(); m != (topology.Mode{}) {
		t.Errorf("the embedded manifest runs mode %s, want default", m)
	}
	for _, want := range []topology.Mode{{ACL: true}, {DLedger: true}, {ACL: true, DLedger: true}} {
		moded := DefaultCluster().WithMode(want)
		out, err := yaml.Marshal(moded.Object)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseCluster(out, "moded")
		if err != nil || moded.Mode() != want || again.Mode() != want {
			t.Errorf("WithMode(%s): stored %s, parsed back %s (%v)", want, moded.Mode(), again.Mode(), err)
		}
	}
}
