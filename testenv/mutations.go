package testenv

import (
	"encoding/base64"
	"fmt"
	"maps"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// A Mutation turns the conforming objects into a deviating set, in place.
// Mutations are built from the small edits below, so that each deviation
// in the table reads as the one change it makes.
type Mutation func(*Objects) error

// An Edit changes one object, or one element of a list inside it (a
// container, a port, a condition): the same edits apply at either level.
type Edit func(obj map[string]any) error

// at spells a field path: at("spec", "containers").
func at(fields ...string) []string { return fields }

// all applies mutations in order.
func all(ms ...Mutation) Mutation {
	return func(o *Objects) error {
		for _, m := range ms {
			if err := m(o); err != nil {
				return err
			}
		}
		return nil
	}
}

// edit applies edits to the object of kind and name.
func edit(kind, name string, edits ...Edit) Mutation {
	return func(o *Objects) error {
		u, err := o.Find(kind, name)
		if err != nil {
			return err
		}
		if err := apply(u.Object, edits); err != nil {
			return fmt.Errorf("%s %s: %w", kind, name, err)
		}
		return nil
	}
}

// remove deletes the object of kind and name.
func remove(kind, name string) Mutation {
	return func(o *Objects) error { return o.Remove(kind, name) }
}

// copyAs adds a copy of the object of kind and name, renamed to, with
// edits applied to the copy.
func copyAs(kind, name, to string, edits ...Edit) Mutation {
	return func(o *Objects) error {
		u, err := o.Find(kind, name)
		if err != nil {
			return err
		}
		c := u.DeepCopy()
		c.SetName(to)
		if err := apply(c.Object, edits); err != nil {
			return fmt.Errorf("copy of %s %s as %s: %w", kind, name, to, err)
		}
		return o.Add(c)
	}
}

func apply(obj map[string]any, edits []Edit) error {
	for _, e := range edits {
		if err := e(obj); err != nil {
			return err
		}
	}
	return nil
}

// set sets the field at path to v, which must be there already: a
// deviation changes what the addon creates, it does not invent fields
// the conforming objects lack (use add for that).
func set(v any, path ...string) Edit {
	return func(obj map[string]any) error {
		if _, found, err := unstructured.NestedFieldNoCopy(obj, path...); err != nil || !found {
			return fmt.Errorf("set %s: no such field (%v)", strings.Join(path, "."), err)
		}
		return unstructured.SetNestedField(obj, jsonValue(v), path...)
	}
}

// add sets the field at path to v, which must not be there yet.
func add(v any, path ...string) Edit {
	return func(obj map[string]any) error {
		if _, found, _ := unstructured.NestedFieldNoCopy(obj, path...); found {
			return fmt.Errorf("add %s: already set", strings.Join(path, "."))
		}
		return unstructured.SetNestedField(obj, jsonValue(v), path...)
	}
}

// unset removes the field at path, which must be there.
func unset(path ...string) Edit {
	return func(obj map[string]any) error {
		if _, found, err := unstructured.NestedFieldNoCopy(obj, path...); err != nil || !found {
			return fmt.Errorf("unset %s: no such field (%v)", strings.Join(path, "."), err)
		}
		unstructured.RemoveNestedField(obj, path...)
		return nil
	}
}

// jsonValue makes every int in v an int64, the only integer type
// unstructured objects may hold (DeepCopy panics on the others), so that
// edits may spell values as Go literals.
func jsonValue(v any) any {
	return mapLeaves(v, func(leaf any) any {
		if i, ok := leaf.(int); ok {
			return int64(i)
		}
		return leaf
	})
}

// mapLeaves returns a copy of v, a value of an unstructured object, with
// f applied to every value in it that is neither a map nor a list.
func mapLeaves(v any, f func(any) any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = mapLeaves(e, f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mapLeaves(e, f)
		}
		return out
	}
	return f(v)
}

// label sets a label that is already there; unlabel removes one.
func label(key, value string) Edit { return set(value, "metadata", "labels", key) }
func unlabel(key string) Edit      { return unset("metadata", "labels", key) }

// item applies edits to the element of the list at path whose field key
// is value (a container by name, a condition by type).
func item(path []string, key, value string, edits ...Edit) Edit {
	return func(obj map[string]any) error {
		list, i, err := findItem(obj, path, key, value)
		if err != nil {
			return err
		}
		if err := apply(list[i].(map[string]any), edits); err != nil {
			return fmt.Errorf("%s[%s=%s]: %w", strings.Join(path, "."), key, value, err)
		}
		return unstructured.SetNestedSlice(obj, list, path...)
	}
}

// named is item by name.
func named(path []string, name string, edits ...Edit) Edit {
	return item(path, "name", name, edits...)
}

// dropNamed removes the element of the list at path named name.
func dropNamed(path []string, name string) Edit { return dropItem(path, "name", name) }

// dropItem removes the element of the list at path whose field key is
// value (a member of an InstanceSet's status by podName).
func dropItem(path []string, key, value string) Edit {
	return func(obj map[string]any) error {
		list, i, err := findItem(obj, path, key, value)
		if err != nil {
			return err
		}
		return unstructured.SetNestedSlice(obj, append(list[:i:i], list[i+1:]...), path...)
	}
}

// appendTo appends v to the list at path, which must be there: a pod's
// volumes, a container's mounts, a status's conditions.
func appendTo(path []string, v map[string]any) Edit {
	return func(obj map[string]any) error {
		list, found, err := unstructured.NestedSlice(obj, path...)
		if err != nil || !found {
			return fmt.Errorf("append to %s: no such list (%v)", strings.Join(path, "."), err)
		}
		return unstructured.SetNestedSlice(obj, append(list, jsonValue(v)), path...)
	}
}

// condition applies edits to the status condition of type typ.
func condition(typ string, edits ...Edit) Edit {
	return item(at("status", "conditions"), "type", typ, edits...)
}

// turnedFalse makes a condition False since when, for reason, as a
// controller writes one that turns: reason and message are written
// whether or not the True condition had them (the kubelet writes none on
// a True pod condition; KubeBlocks writes both, message "" when True).
func turnedFalse(when, reason, message string) Edit {
	return func(c map[string]any) error {
		if err := apply(c, []Edit{set("False", "status"), set(when, "lastTransitionTime")}); err != nil {
			return err
		}
		c["reason"], c["message"] = reason, message
		return nil
	}
}

// secretValue sets a Secret's key, which must be there, to plain,
// base64-encoded as Secret data is.
func secretValue(key, plain string) Edit {
	return set(base64.StdEncoding.EncodeToString([]byte(plain)), "data", key)
}

// replaceAll replaces from by to in every string of the object, keys
// excepted: a copy of a pod that is to be another instance names itself,
// and holds its own IP, wherever the original did. Replacing nothing is
// an error, as for set.
func replaceAll(from, to string) Edit {
	return func(obj map[string]any) error {
		n := 0
		replaced := mapLeaves(obj, func(leaf any) any {
			if s, ok := leaf.(string); ok && strings.Contains(s, from) {
				n++
				return strings.ReplaceAll(s, from, to)
			}
			return leaf
		})
		if n == 0 {
			return fmt.Errorf("replace %q: not in the object", from)
		}
		maps.Copy(obj, replaced.(map[string]any))
		return nil
	}
}

// claimTemplate is the conforming PVC claimFor copies the spec and
// status of: any broker's would do, all are alike but for names.
const claimTemplate = "data-rocketmq-cluster-broker-d4p-0"

// claimFor adds a Bound PVC data-<pod> on PersistentVolume volume, shaped
// as the InstanceSet builds one for pod from its volume claim template
// data (claimLabels), so that a deviation that gives a pod a PVC plants
// nothing else.
func claimFor(pod, volume string) Mutation {
	return func(o *Objects) error {
		p, err := o.Find("Pod", pod)
		if err != nil {
			return fmt.Errorf("a claim for a pod: %w", err)
		}
		return copyAs("PersistentVolumeClaim", claimTemplate, "data-"+pod,
			set(claimLabels(p.GetLabels()), "metadata", "labels"), set(volume, "spec", "volumeName"))(o)
	}
}

// claimLabels are the labels of a PVC of the pod labelled pod: the pod's
// and the PVC's both come from the instance template and the InstanceSet's
// match labels plus pod-name, and the PVC adds its template's vct-name
// (K pkg/controller/instanceset/instance_util.go:515-557); the role and
// revision labels are the pod's own.
func claimLabels(pod map[string]string) map[string]any {
	out := map[string]any{"apps.kubeblocks.io/vct-name": "data"}
	for k, v := range pod {
		if k != "kubeblocks.io/role" && k != "controller-revision-hash" {
			out[k] = v
		}
	}
	return out
}

// everyContainer applies edits to every container and init container of
// a pod: KubeBlocks injects credential env into all of them (FACTS.md
// section 1), so a wiring fault shows in all of them.
func everyContainer(edits ...Edit) Edit {
	return func(obj map[string]any) error {
		for _, path := range [][]string{at("spec", "initContainers"), at("spec", "containers")} {
			list, _, err := unstructured.NestedSlice(obj, path...)
			if err != nil {
				return err
			}
			for _, c := range list {
				if err := apply(c.(map[string]any), edits); err != nil {
					name, _, _ := unstructured.NestedString(c.(map[string]any), "name")
					return fmt.Errorf("container %s: %w", name, err)
				}
			}
			if len(list) > 0 {
				if err := unstructured.SetNestedSlice(obj, list, path...); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// findItem returns a copy of the list at path and the index of the
// element whose field key is value.
func findItem(obj map[string]any, path []string, key, value string) ([]any, int, error) {
	list, found, err := unstructured.NestedSlice(obj, path...)
	if err != nil || !found {
		return nil, 0, fmt.Errorf("no list %s (%v)", strings.Join(path, "."), err)
	}
	for i, e := range list {
		if m, ok := e.(map[string]any); ok {
			if v, _, _ := unstructured.NestedString(m, key); v == value {
				return list, i, nil
			}
		}
	}
	return nil, 0, fmt.Errorf("no element of %s with %s=%s", strings.Join(path, "."), key, value)
}
