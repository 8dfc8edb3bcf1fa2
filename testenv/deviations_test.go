package testenv

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestEveryObjectClauseIsPlanted: every clause of every object case (the
// layout and accounts cases but accounts/no-leak, which judges written
// reports) is made to fail alone in its case by a deviation or a live
// plant, and every clause a plant names is one of its case's Clauses: a
// check no planted fault can fail is a defect (DESIGN.md, rule 3).
func TestEveryObjectClauseIsPlanted(t *testing.T) {
	clauses := map[string][]string{}
	for _, c := range ObjectCases(t) {
		for _, cl := range c.Clauses {
			clauses[c.ID()] = append(clauses[c.ID()], cl.ID)
		}
	}
	if len(clauses) == 0 {
		t.Fatal("no object cases")
	}
	if _, ok := clauses["accounts/no-leak"]; ok {
		t.Error("accounts/no-leak judges written reports, not objects; ObjectCases must leave it out")
	}
	alone := map[string]map[string][]string{} // case -> clause -> plants that fail it alone
	for _, p := range plants() {
		for id, wants := range p.fails {
			cl, ok := clauses[id]
			if !ok {
				t.Errorf("%s expects %s to fail, which is not an object case", p.name, id)
				continue
			}
			for _, w := range wants {
				if !slices.Contains(cl, w.Clause) {
					t.Errorf("%s: %s has no clause %q; its clauses are %q", p.name, id, w.Clause, cl)
				}
				if strings.TrimSpace(w.Says) == "" {
					t.Errorf("%s: %s clause %q: no phrase the failure must say", p.name, id, w.Clause)
				}
			}
			if set := ExpectedClauses(id, wants); len(set) == 1 {
				if alone[id] == nil {
					alone[id] = map[string][]string{}
				}
				alone[id][wants[0].Clause] = append(alone[id][wants[0].Clause], p.name)
			}
		}
	}
	for id, cl := range clauses {
		for _, c := range cl {
			if len(alone[id][c]) == 0 {
				t.Errorf("%s: no planted fault makes clause %q fail alone", id, c)
			}
		}
	}
}

// plant is what the coverage test reads of a Deviation or a LivePlant.
type plant struct {
	name  string
	fails map[string][]Expect
}

func plants() []plant {
	var out []plant
	for _, d := range Deviations {
		out = append(out, plant{d.Name, d.Fails})
	}
	for _, p := range LivePlants {
		out = append(out, plant{p.Name, p.Fails})
	}
	return out
}

// TestDeviationsAreWellFormed: each deviation and live plant has a unique
// name, says what it changes, expects at least one failure, and each
// deviation's mutation applies to the conforming objects and changes them.
func TestDeviationsAreWellFormed(t *testing.T) {
	conforming, err := ReadObjects("")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{Conforming.Name: true}
	for _, p := range plants() {
		if seen[p.name] {
			t.Errorf("plant name %q used twice (or is %q)", p.name, Conforming.Name)
		}
		seen[p.name] = true
		if len(p.fails) == 0 {
			t.Errorf("%s expects no case to fail", p.name)
		}
	}
	for _, p := range LivePlants {
		if p.Change == "" || p.Test == "" {
			t.Errorf("live plant %s: Change %q, Test %q; both must be said", p.Name, p.Change, p.Test)
		}
	}
	for _, d := range Deviations {
		if d.Change == "" || d.Mutate == nil {
			t.Errorf("deviation %s: Change %q, Mutate set %v; both are needed", d.Name, d.Change, d.Mutate != nil)
			continue
		}
		o, err := ReadObjects(d.Name)
		if err != nil {
			t.Errorf("deviation %s does not apply: %v", d.Name, err)
			continue
		}
		if reflect.DeepEqual(o.files, conforming.files) {
			t.Errorf("deviation %s changes nothing", d.Name)
		}
	}
}

// TestMutationErrorsNameTheObject: a mutation that finds nothing to change
// fails naming what it looked for, so a fixture edit cannot silently turn
// a deviation into the conforming set.
func TestMutationErrorsNameTheObject(t *testing.T) {
	for _, tc := range []struct {
		m    Mutation
		want string
	}{
		{edit("Pod", "no-such-pod", label("a", "b")), "no Pod no-such-pod"},
		{edit("Pod", "rocketmq-cluster-namesrv-0", set("x", "spec", "noSuchField")), "Pod rocketmq-cluster-namesrv-0: set spec.noSuchField: no such field"},
		{edit("Pod", "rocketmq-cluster-namesrv-0", named(at("spec", "containers"), "nope")), "no element of spec.containers with name=nope"},
		{remove("Service", "no-such-service"), "remove Service no-such-service"},
		{copyAs("Secret", "rocketmq-cluster-broker-d4p-account-rocketmq-admin", "rocketmq-cluster-broker-x7k-account-rocketmq-admin"), "add Secret rocketmq-cluster-broker-x7k-account-rocketmq-admin: already"},
		{edit("Service", "rocketmq-cluster-namesrv", dropNamed(at("spec", "ports"), "ha")), "no element of spec.ports with name=ha"},
		{edit("Pod", "rocketmq-cluster-namesrv-0", appendTo(at("spec", "noSuchList"), nil)), "append to spec.noSuchList: no such list"},
		{edit("Pod", "rocketmq-cluster-namesrv-0", replaceAll("no-such-name", "x")), `Pod rocketmq-cluster-namesrv-0: replace "no-such-name": not in the object`},
		{claimFor("no-such-pod", "pvc-x"), "a claim for a pod: no Pod no-such-pod"},
		{claimFor("rocketmq-cluster-broker-d4p-0", "pvc-x"), "add PersistentVolumeClaim data-rocketmq-cluster-broker-d4p-0: already"},
	} {
		o, err := ReadObjects("")
		if err != nil {
			t.Fatal(err)
		}
		if err := tc.m(o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
}

// TestClaimLabelsAreTheConformingOnes: the labels claimFor gives a PVC it
// adds are those every conforming broker PVC has, computed from its pod,
// so a pod given a PVC by a deviation gets one as KubeBlocks labels it.
func TestClaimLabelsAreTheConformingOnes(t *testing.T) {
	o, err := ReadObjects("")
	if err != nil {
		t.Fatal(err)
	}
	pvcs := o.Items("pvcs.yaml")
	if len(pvcs) == 0 {
		t.Fatal("no PVCs in the conforming set")
	}
	for _, pvc := range pvcs {
		pod, err := o.Find("Pod", strings.TrimPrefix(pvc.GetName(), "data-"))
		if err != nil {
			t.Fatalf("PVC %s: %v", pvc.GetName(), err)
		}
		want, _, _ := unstructured.NestedMap(pvc.Object, "metadata", "labels")
		if got := claimLabels(pod.GetLabels()); !reflect.DeepEqual(got, want) {
			t.Errorf("PVC %s: claimLabels of its pod are %v, the PVC has %v", pvc.GetName(), got, want)
		}
	}
}

// TestDumpWritesTheObjects: what Dump writes reads back as the objects it
// was given, so the audit target sees what the API server is loaded with.
func TestDumpWritesTheObjects(t *testing.T) {
	for _, name := range []string{"", "env-literal", "extra-shard-replica"} {
		want, err := ReadObjects(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readDir(Dump(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.files, want.files) {
			t.Errorf("deviation %q: the dump reads back differently", name)
		}
	}
}
