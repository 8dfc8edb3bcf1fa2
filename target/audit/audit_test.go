package audit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/testenv"
	"github.com/rmqkb/conformance/verdict"
)

func auditTarget(t *testing.T, dir string) *Target {
	t.Helper()
	m := manifests.DefaultCluster()
	tgt, err := New(dir, m.Namespace, m.Name)
	if err != nil {
		t.Fatal(err)
	}
	return tgt
}

func TestConformingDumpPasses(t *testing.T) {
	tgt := auditTarget(t, testenv.Dump(t, ""))
	testenv.ExpectDeviation(t, testenv.Conforming, scenarios.Execute(context.Background(), tgt, testenv.ObjectCases(t)))
}

func TestDeviationsFailExactlyTheirCases(t *testing.T) {
	for _, d := range testenv.Deviations {
		t.Run(d.Name, func(t *testing.T) {
			tgt := auditTarget(t, testenv.Dump(t, d.Name))
			testenv.ExpectDeviation(t, d, scenarios.Execute(context.Background(), tgt, testenv.ObjectCases(t)))
		})
	}
}

func TestLoadErrorsNameTheInput(t *testing.T) {
	m := manifests.DefaultCluster()
	if _, err := New("/nonexistent/dump", m.Namespace, m.Name); err == nil || !strings.Contains(err.Error(), "/nonexistent/dump") {
		t.Errorf("missing folder: %v", err)
	}
	empty := t.TempDir()
	if _, err := New(empty, m.Namespace, m.Name); err == nil || !strings.Contains(err.Error(), "no .yaml") {
		t.Errorf("empty folder: %v", err)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "x.yaml"), []byte("kind: [unclosed"), 0o644)
	if _, err := New(bad, m.Namespace, m.Name); err == nil || !strings.Contains(err.Error(), "x.yaml") {
		t.Errorf("bad YAML: %v", err)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "c.json"), []byte(`{"apiVersion":"apps.kubeblocks.io/v1","kind":"Cluster","metadata":{"name":"other","namespace":"demo"}}`), 0o644)
	if _, err := New(other, m.Namespace, m.Name); err == nil || !strings.Contains(err.Error(), "found: other") {
		t.Errorf("another cluster: %v", err)
	}
}

// TestTopologyComesFromTheDumpedCluster: the shape every case checks
// against is the dumped Cluster's, so a dump whose shard Components lost
// their labels fails the cases that walk the shards; none passes over an
// empty set.
func TestTopologyComesFromTheDumpedCluster(t *testing.T) {
	tgt := auditTarget(t, testenv.Dump(t, ""))
	if topo := tgt.Topology(); topo.Namesrvs != 2 || topo.Shards != 2 || topo.Replicas != 2 {
		t.Errorf("topology %+v, want the dumped Cluster's 2 namesrvs, 2 shards x 2 replicas", topo)
	}
}

func TestDecodeFormats(t *testing.T) {
	multi := "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: c}\n---\n"
	objs, err := decode([]byte(multi))
	if err != nil || len(objs) != 3 || objs[2].GetName() != "c" {
		t.Fatalf("multi-doc with a List: %d objects, %v", len(objs), err)
	}
	js := `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"}}]}`
	if objs, err := decode([]byte(js)); err != nil || len(objs) != 1 {
		t.Fatalf("JSON List: %d, %v", len(objs), err)
	}
	if _, err := decode([]byte("metadata: {name: x}\n")); err == nil {
		t.Error("an object without kind must be an error")
	}
}

// TestDLedgerLeaderMayBeAnyOrdinal: in DLedger mode the master label is on
// whichever member the group elected, so a dump whose Cluster runs
// DLedger passes layout/roles with the master at ordinal 1, where a
// default-mode dump fails it (the master-at-ordinal-1 deviation); the
// other role clauses still hold.
func TestDLedgerLeaderMayBeAnyOrdinal(t *testing.T) {
	for _, tc := range []struct {
		deviation, want string
	}{
		{"master-at-ordinal-1", ""},
		{"two-masters", "expected exactly one"},
	} {
		t.Run(tc.deviation, func(t *testing.T) {
			o, err := testenv.ReadObjects(tc.deviation)
			if err != nil {
				t.Fatal(err)
			}
			m := manifests.DefaultCluster()
			cl, err := o.Find("Cluster", m.Name)
			if err != nil {
				t.Fatal(err)
			}
			cl.SetAnnotations(map[string]string{manifests.ExtraEnvAnnotation: `{"ENABLE_ACL":"false","ENABLE_DLEDGER":"true"}`})
			dir := t.TempDir()
			if err := o.Write(dir, "DLedger variant of "+tc.deviation); err != nil {
				t.Fatal(err)
			}
			tgt := auditTarget(t, dir)
			if !tgt.Topology().Mode.DLedger {
				t.Fatal("the annotated Cluster does not read as DLedger mode")
			}
			cases, err := scenarios.Select("^layout/roles$")
			if err != nil {
				t.Fatal(err)
			}
			r := scenarios.Execute(context.Background(), tgt, cases)[0]
			switch {
			case tc.want == "" && r.Status != verdict.Passed:
				t.Errorf("layout/roles %s in DLedger mode: %s", r.Status, r.Observed)
			case tc.want != "" && (r.Status != verdict.Failed || !strings.Contains(r.Observed, tc.want)):
				t.Errorf("layout/roles %s in DLedger mode, want failed saying %q: %s", r.Status, tc.want, r.Observed)
			}
		})
	}
}
