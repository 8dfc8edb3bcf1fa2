package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// Objects is one fixture set: the objects of testdata/kube/conforming,
// file by file, as a deviation has edited them. Both consumers read it,
// the audit dump (Dump) and the API server (APIServer.Load), so a
// deviation means the same objects to the audit and the kube target.
type Objects struct {
	files map[string][]*unstructured.Unstructured // file name -> items, in file order
}

// ReadObjects returns the conforming objects, or those of the deviation
// named (nil or "" for none) after its Mutate.
func ReadObjects(deviation string) (*Objects, error) {
	d, err := DeviationNamed(deviation)
	if err != nil {
		return nil, err
	}
	o, err := readDir(filepath.Join(FixtureDir(), "conforming"))
	if err != nil {
		return nil, err
	}
	if d.Mutate == nil {
		return o, nil
	}
	if err := d.Mutate(o); err != nil {
		return nil, fmt.Errorf("deviation %s: %w", d.Name, err)
	}
	return o, nil
}

// readDir reads every .yaml file of dir, each a v1 List.
func readDir(dir string) (*Objects, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	o := &Objects{files: map[string][]*unstructured.Unstructured{}}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		items, err := readList(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		o.files[e.Name()] = items
	}
	if len(o.files) == 0 {
		return nil, fmt.Errorf("%s: no .yaml files", dir)
	}
	return o, nil
}

// readList decodes a List file into its items. Numbers become int64 where
// they are integral, as the API machinery decodes them, so that
// unstructured.NestedInt64 and DeepCopy work on what a mutation finds.
func readList(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var list map[string]any
	if err := utiljson.Unmarshal(js, &list); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	items, found, err := unstructured.NestedSlice(list, "items")
	if err != nil || !found {
		return nil, fmt.Errorf("%s: not a List with items (%v)", path, err)
	}
	var out []*unstructured.Unstructured
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: item %d is not an object", path, i)
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out, nil
}

// Files returns the file names, sorted: the order Load creates them in.
func (o *Objects) Files() []string {
	var out []string
	for f := range o.files {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Items returns the objects of one file, in order.
func (o *Objects) Items(file string) []*unstructured.Unstructured { return o.files[file] }

// Find returns the object of kind and name, for a mutation to edit in
// place; an object the fixtures lack is an error naming it, so a
// mutation never silently edits nothing.
func (o *Objects) Find(kind, name string) (*unstructured.Unstructured, error) {
	for _, f := range o.Files() {
		for _, u := range o.files[f] {
			if u.GetKind() == kind && u.GetName() == name {
				return u, nil
			}
		}
	}
	return nil, fmt.Errorf("no %s %s in the fixtures", kind, name)
}

// Remove deletes the object of kind and name.
func (o *Objects) Remove(kind, name string) error {
	for f, items := range o.files {
		for i, u := range items {
			if u.GetKind() == kind && u.GetName() == name {
				o.files[f] = append(items[:i:i], items[i+1:]...)
				return nil
			}
		}
	}
	return fmt.Errorf("remove %s %s: not in the fixtures", kind, name)
}

// Add appends u to the file that holds its kind; a name already taken is
// an error, as it would be on create.
func (o *Objects) Add(u *unstructured.Unstructured) error {
	if _, err := o.Find(u.GetKind(), u.GetName()); err == nil {
		return fmt.Errorf("add %s %s: already in the fixtures", u.GetKind(), u.GetName())
	}
	for _, f := range o.Files() {
		if items := o.files[f]; len(items) > 0 && items[0].GetKind() == u.GetKind() {
			o.files[f] = append(items, u)
			return nil
		}
	}
	return fmt.Errorf("add %s %s: no fixture file holds that kind", u.GetKind(), u.GetName())
}

// Write writes each file as a v1 List into dir.
func (o *Objects) Write(dir, header string) error {
	for _, f := range o.Files() {
		var items []any
		for _, u := range o.files[f] {
			items = append(items, u.Object)
		}
		data, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		data = append([]byte("# "+header+"\n"), data...)
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
