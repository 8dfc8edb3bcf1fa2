package audit

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"unicode"

	"github.com/rmqkb/conformance/target"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRedactKeepsTheShapeNotTheValue: length and the class of every
// character survive (a password policy judges the result as the
// original); the value does not.
func TestRedactKeepsTheShapeNotTheValue(t *testing.T) {
	class := func(c byte) int {
		switch r := rune(c); {
		case unicode.IsDigit(r):
			return 0
		case unicode.IsLower(r):
			return 1
		case unicode.IsUpper(r):
			return 2
		}
		return 3
	}
	for _, v := range []string{"aB345678", "Xy12z9Q0", "p@ss/w0rd+=", ""} {
		same := 0
		for i := 0; i < 20; i++ {
			r := Redact([]byte(v))
			if len(r) != len(v) {
				t.Fatalf("%d bytes from %d", len(r), len(v))
			}
			for j := range r {
				if class(r[j]) != class(v[j]) {
					t.Errorf("byte %d: class %d, was %d", j, class(r[j]), class(v[j]))
				}
			}
			if v != "" && bytes.Equal(r, []byte(v)) {
				same++
			}
		}
		if same > 0 {
			t.Errorf("%d of 20 redactions of a %d-byte value were the value", same, len(v))
		}
	}
}

// TestWriteLeavesNoSecretValue: no file of a dump holds a Secret's value,
// wherever the Secret carried it (data, stringData, the annotation kubectl
// apply writes), and the username stays readable.
func TestWriteLeavesNoSecretValue(t *testing.T) {
	const password, user = "Zq7-planted-Secret-9x", "rocketmq-admin"
	sec := corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "acct", Namespace: "demo", Annotations: map[string]string{
			lastApplied: `{"stringData":{"password":"` + password + `"}}`,
		}},
		Data:       map[string][]byte{"password": []byte(password), "username": []byte(user)},
		StringData: map[string]string{"token": password},
	}
	dir := t.TempDir()
	if err := Write(dir, &target.Snapshot{Secrets: []corev1.Secret{sec}}, nil); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir(dir)
	if err != nil || len(files) == 0 {
		t.Fatalf("dump folder: %d files, %v", len(files), err)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, enc := range []string{password, base64.StdEncoding.EncodeToString([]byte(password))} {
			if bytes.Contains(data, []byte(enc)) {
				t.Errorf("%s holds the Secret's value", f.Name())
			}
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "secrets.yaml"))
	if !bytes.Contains(data, []byte(base64.StdEncoding.EncodeToString([]byte(user)))) {
		t.Errorf("secrets.yaml lost the username:\n%s", data)
	}
}
