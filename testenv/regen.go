package testenv

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// serverSet are the metadata fields a server sets, stripped from fixtures
// so that they load with `kubectl create` and the API server's loader
// (FACTS.md, Conventions); status stays, for the status subresource.
var serverSet = []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences", "finalizers"}

// fixtureFiles are the files of testdata/kube/conforming.
var fixtureFiles = []string{"cluster.yaml", "components.yaml", "instancesets.yaml", "pods.yaml", "pvcs.yaml",
	"secrets.yaml", "serviceaccounts.yaml", "services.yaml"}

// FromDump turns a dump of a real cluster (`go run . dump`: Secrets
// already redacted) into fixture objects: server-set fields stripped, the
// shards renamed to names (KubeBlocks names shards broker-<3 random
// characters>; the tests and deviations use the fixtures' names), and the
// account passwords set to PlantedPasswords, which the no-leak tests look
// for. It returns the renames it made.
func FromDump(dump string, names []string) (*Objects, map[string]string, error) {
	o, err := readDir(dump)
	if err != nil {
		return nil, nil, err
	}
	for f := range o.files {
		if !contains(fixtureFiles, f) {
			delete(o.files, f)
		}
	}
	for _, f := range fixtureFiles {
		if _, ok := o.files[f]; !ok {
			return nil, nil, fmt.Errorf("%s: no %s", dump, f)
		}
	}
	renames, err := shardRenames(o, names)
	if err != nil {
		return nil, nil, err
	}
	for f, items := range o.files {
		for i, u := range items {
			if items[i], err = fixtureObject(u, renames); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dump, f), err)
			}
		}
	}
	return o, renames, nil
}

// shardRenames maps the dump's shard names, in order, to names.
func shardRenames(o *Objects, names []string) (map[string]string, error) {
	shards := o.ShardNames()
	if len(shards) != len(names) {
		return nil, fmt.Errorf("the dump has shards %v, the fixtures name %d", shards, len(names))
	}
	m := map[string]string{}
	for i, s := range shards {
		m[s] = names[i]
	}
	return m, nil
}

// fixtureObject strips u and applies the renames and the planted passwords.
func fixtureObject(u *unstructured.Unstructured, renames map[string]string) (*unstructured.Unstructured, error) {
	for _, f := range serverSet {
		unstructured.RemoveNestedField(u.Object, "metadata", f)
	}
	if ann := u.GetAnnotations(); ann != nil {
		delete(ann, "conformance.rmqkb.io/redacted")
		u.SetAnnotations(ann)
		if len(ann) == 0 {
			unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
		}
	}
	// An allocated cluster IP belongs to the dumped cluster's service range;
	// a headless Service's "None" is the addon's and stays.
	if ip, _, _ := unstructured.NestedString(u.Object, "spec", "clusterIP"); u.GetKind() == "Service" && ip != "None" {
		unstructured.RemoveNestedField(u.Object, "spec", "clusterIP")
		unstructured.RemoveNestedField(u.Object, "spec", "clusterIPs")
	}
	if u.GetKind() == "Secret" {
		switch u.GetLabels()["apps.kubeblocks.io/system-account"] {
		case "rocketmq-admin":
			setPassword(u, PlantedPasswords[0])
		case "console-admin":
			setPassword(u, PlantedPasswords[1])
		}
	}
	data, err := json.Marshal(u.Object)
	if err != nil {
		return nil, err
	}
	for from, to := range renames {
		data = regexp.MustCompile(`\b`+regexp.QuoteMeta(from)+`\b`).ReplaceAll(data, []byte(to))
	}
	out := &unstructured.Unstructured{}
	return out, out.UnmarshalJSON(data)
}

func setPassword(u *unstructured.Unstructured, p string) {
	_ = unstructured.SetNestedField(u.Object, base64.StdEncoding.EncodeToString([]byte(p)), "data", "password")
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// ShardNames are the shard names of the objects' Components, sorted.
func (o *Objects) ShardNames() []string {
	var names []string
	for _, u := range o.files["components.yaml"] {
		if u.GetLabels()["apps.kubeblocks.io/sharding-name"] != "" {
			names = append(names, u.GetLabels()["apps.kubeblocks.io/component-name"])
		}
	}
	sort.Strings(names)
	return names
}
