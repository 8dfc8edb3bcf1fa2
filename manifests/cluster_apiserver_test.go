package manifests_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/testenv"
)

// TestClusterManifestOnTheRealSchema creates the embedded Cluster on an API
// server that has KubeBlocks v1.0.2's own Cluster CRD: the schema accepts
// it with every field kept, and the server adds only its podUpdatePolicy
// default. Clusters the schema must refuse are refused, so validation is
// known to be live.
func TestClusterManifestOnTheRealSchema(t *testing.T) {
	a := testenv.StartForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := manifests.DefaultCluster()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: m.Namespace}}
	if _, err := kubernetes.NewForConfigOrDie(a.Config).CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", m.Namespace, err)
	}
	res := dynamic.NewForConfigOrDie(a.Config).Resource(kbapi.Cluster).Namespace(m.Namespace)

	created, err := res.Create(ctx, &unstructured.Unstructured{Object: m.Object}, strict)
	if err != nil {
		t.Fatalf("create manifests/cluster.yaml: %v", err)
	}
	want := withPodUpdatePolicy(jsonCopy(t, manifests.DefaultCluster().Object["spec"]))
	if got := jsonCopy(t, created.Object["spec"]); !reflect.DeepEqual(got, want) {
		t.Errorf("the server stored a spec other than the manifest's plus podUpdatePolicy: PreferInPlace:\n got  %s\n want %s", asJSON(got), asJSON(want))
	}

	for _, tc := range refusedClusters {
		t.Run(tc.name, func(t *testing.T) {
			obj := manifests.DefaultCluster().Object
			obj["metadata"].(map[string]any)["name"] = "refused-" + tc.name
			tc.change(obj)
			_, err := res.Create(ctx, &unstructured.Unstructured{Object: obj}, strict)
			if err == nil || !strings.Contains(err.Error(), tc.say) {
				t.Errorf("create: %v, want refused with %q", err, tc.say)
			}
			if _, err := res.Get(ctx, "refused-"+tc.name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("the refused Cluster is there: %v", err)
			}
		})
	}
}

// strict: a field the schema lacks is refused, not silently dropped, as
// kubectl does by default.
var strict = metav1.CreateOptions{FieldValidation: "Strict"}

// refusedClusters are changes to the manifest that the v1.0.2 Cluster CRD
// refuses, one per kind of rule it has: enum, required, bounds, CEL, and
// unknown fields. (shards: 0 is not among them: the CRD's minimum is 0.)
var refusedClusters = []struct {
	name   string
	change func(obj map[string]any)
	say    string
}{
	{"policy-enum", func(o map[string]any) { spec(o)["terminationPolicy"] = "Forever" }, `spec.terminationPolicy: Unsupported value: "Forever"`},
	{"policy-required", func(o map[string]any) { delete(spec(o), "terminationPolicy") }, "spec.terminationPolicy: Required value"},
	{"shards-max", func(o map[string]any) { broker(o)["shards"] = 4096 }, "spec.shardings[0].shards in body should be less than or equal to 2048"},
	{"shards-negative", func(o map[string]any) { broker(o)["shards"] = -1 }, "spec.shardings[0].shards in body should be greater than or equal to 0"},
	{"duplicate-component", func(o map[string]any) {
		spec(o)["componentSpecs"] = append(spec(o)["componentSpecs"].([]any), spec(o)["componentSpecs"].([]any)[0])
	}, "duplicated component"},
	{"unknown-field", func(o map[string]any) {
		broker(o)["template"].(map[string]any)["serviceVersoin"] = "4.9.6"
	}, `unknown field "spec.shardings[0].template.serviceVersoin"`},
}

func spec(o map[string]any) map[string]any { return o["spec"].(map[string]any) }

func broker(o map[string]any) map[string]any {
	return spec(o)["shardings"].([]any)[0].(map[string]any)
}

// withPodUpdatePolicy adds the CRD's default podUpdatePolicy to each
// component spec and sharding template of a Cluster spec.
func withPodUpdatePolicy(s any) any {
	sp := s.(map[string]any)
	for _, c := range sp["componentSpecs"].([]any) {
		c.(map[string]any)["podUpdatePolicy"] = "PreferInPlace"
	}
	for _, sh := range sp["shardings"].([]any) {
		sh.(map[string]any)["template"].(map[string]any)["podUpdatePolicy"] = "PreferInPlace"
	}
	return sp
}

// jsonCopy is v after a JSON round trip, so that numbers compare alike
// whether they came from YAML or from the server.
func jsonCopy(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func asJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// TestModedClusterOnTheRealSchema: the env entries and accounts a mode
// writes are fields KubeBlocks v1.0.2's Cluster schema keeps.
func TestModedClusterOnTheRealSchema(t *testing.T) {
	a := testenv.StartForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := manifests.DefaultCluster().WithMode(topology.Mode{ACL: true, DLedger: true})
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "moded"}}
	if _, err := kubernetes.NewForConfigOrDie(a.Config).CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	m.Object["metadata"].(map[string]any)["namespace"] = "moded"
	created, err := dynamic.NewForConfigOrDie(a.Config).Resource(kbapi.Cluster).Namespace("moded").Create(ctx, &unstructured.Unstructured{Object: m.Object}, strict)
	if err != nil {
		t.Fatalf("create a Cluster in ACL and DLedger mode: %v", err)
	}
	// The server adds defaults (podUpdatePolicy, an account's disabled and
	// numSymbols); what the mode wrote must be there as written.
	got := asJSON(created.Object["spec"])
	for _, want := range []string{
		`{"env":[{"name":"ENABLE_ACL","value":"true"},{"name":"ENABLE_DLEDGER","value":"true"}],"name":"exporter"`,
		`{"env":[{"name":"ENABLE_ACL","value":"true"},{"name":"ENABLE_DLEDGER","value":"true"}],"name":"dashboard"`,
		`"template":{"env":[{"name":"ENABLE_ACL","value":"true"},{"name":"ENABLE_DLEDGER","value":"true"}]`,
		`"seed":"rocketmq-cluster"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the stored spec lacks %s:\n%s", want, got)
		}
	}
}
