package audit

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"unicode"

	"github.com/rmqkb/conformance/target"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// RedactedAnnotation marks a Secret whose values Write replaced.
const RedactedAnnotation = "conformance.rmqkb.io/redacted"

// Write writes s into dir as Load reads it, one kind per file as a v1
// List (cluster.yaml, components.yaml, instancesets.yaml, pods.yaml,
// services.yaml, pvcs.yaml, secrets.yaml), plus extra objects
// (serviceaccounts.yaml, when given). Secret values never reach the disk:
// each is replaced by a value of the same shape (Redact), so the dump is
// safe to keep and share, and the accounts cases still judge the
// password's policy on it.
func Write(dir string, s *target.Snapshot, serviceAccounts []corev1.ServiceAccount) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	secrets := make([]corev1.Secret, len(s.Secrets))
	for i, sec := range s.Secrets {
		secrets[i] = redactSecret(sec)
	}
	files := []dumpFile{
		{"components.yaml", s.Components}, {"instancesets.yaml", s.InstanceSets}, {"pods.yaml", typed("Pod", s.Pods)},
		{"services.yaml", typed("Service", s.Services)}, {"pvcs.yaml", typed("PersistentVolumeClaim", s.PVCs)},
		{"secrets.yaml", typed("Secret", secrets)},
	}
	if s.Cluster != nil {
		files = append(files, dumpFile{"cluster.yaml", []unstructured.Unstructured{*s.Cluster}})
	}
	if serviceAccounts != nil {
		files = append(files, dumpFile{"serviceaccounts.yaml", typed("ServiceAccount", serviceAccounts)})
	}
	var errs []error
	for _, f := range files {
		data, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": f.items})
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, f.name), data, 0o644)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
		}
	}
	return errors.Join(errs...)
}

// dumpFile is one file of a dump: its name and the List's items.
type dumpFile struct {
	name  string
	items any
}

// typed sets apiVersion v1 and kind on core objects, which the typed
// clients return without them.
func typed[T any](kind string, items []T) []map[string]any {
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		data, err := yaml.Marshal(it)
		if err != nil {
			continue
		}
		var m map[string]any
		if yaml.Unmarshal(data, &m) != nil {
			continue
		}
		m["apiVersion"], m["kind"] = "v1", kind
		out = append(out, m)
	}
	return out
}

// redactSecret replaces every value of sec but its username with a value
// of the same shape, and says so in an annotation.
func redactSecret(sec corev1.Secret) corev1.Secret {
	out := *sec.DeepCopy()
	for k, v := range out.Data {
		if k != "username" {
			out.Data[k] = Redact(v)
		}
	}
	for k, v := range out.StringData {
		if k != "username" {
			out.StringData[k] = string(Redact([]byte(v)))
		}
	}
	if len(out.Data)+len(out.StringData) > 0 {
		if out.Annotations == nil {
			out.Annotations = map[string]string{}
		}
		out.Annotations[RedactedAnnotation] = "every value but the username replaced by random characters of the same classes (digit, lower, upper, other), so length and policy are kept"
	}
	// kubectl apply keeps the whole object, values included, in this
	// annotation.
	delete(out.Annotations, lastApplied)
	out.ManagedFields = nil
	return out
}

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// symbols replace every byte that is not an ASCII digit or letter.
const symbols = "!#$%&*+-./:=?@^_~"

// Redact returns a random value of v's shape: each digit, lower-case and
// upper-case letter replaced by a random one of its class, every other
// byte by a random symbol. A password policy (length, digits, letter
// cases, symbols) judges the result as it judges v, and nothing of v's
// value is left.
func Redact(v []byte) []byte {
	out := make([]byte, len(v))
	for i, c := range v {
		r := rune(c)
		switch {
		case unicode.IsDigit(r) && c < 0x80:
			out[i] = '0' + byte(randN(10))
		case unicode.IsLower(r) && c < 0x80:
			out[i] = 'a' + byte(randN(26))
		case unicode.IsUpper(r) && c < 0x80:
			out[i] = 'A' + byte(randN(26))
		default:
			out[i] = symbols[randN(int64(len(symbols)))]
		}
	}
	return out
}

func randN(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return v.Int64()
}
