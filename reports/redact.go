package reports

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rmqkb/conformance/verdict"
)

// Redacted is what a secret value becomes in anything the run writes.
const Redacted = "[secret value redacted]"

// redactor replaces secret values. It is the one place the suite redacts:
// result texts before the reports are rendered, and every file of the
// diagnostics folder (collected pod logs, events, object dumps, process
// logs) once collected.
type redactor struct{ values [][]byte }

func newRedactor(secrets []verdict.Secret) redactor {
	var r redactor
	for _, s := range secrets {
		if s.Value != "" {
			r.values = append(r.values, []byte(s.Value))
		}
	}
	return r
}

func (r redactor) bytes(b []byte) []byte {
	for _, v := range r.values {
		b = bytes.ReplaceAll(b, v, []byte(Redacted))
	}
	return b
}

func (r redactor) string(s string) string {
	for _, v := range r.values {
		s = strings.ReplaceAll(s, string(v), Redacted)
	}
	return s
}

// run redacts every text of every result.
func (r redactor) run(run *verdict.Run) {
	for i := range run.Results {
		res := &run.Results[i]
		res.Promise = r.string(res.Promise)
		res.Description = r.string(res.Description)
		res.Observed = r.string(res.Observed)
		res.LogTail = r.string(res.LogTail)
		for j := range res.Evidence {
			res.Evidence[j] = r.string(res.Evidence[j])
		}
	}
	for k, v := range run.Properties {
		run.Properties[k] = r.string(v)
	}
}

// tree redacts every file under dir in place; a dir that does not exist
// holds nothing to redact.
func (r redactor) tree(dir string) error {
	if _, err := os.Stat(dir); len(r.values) == 0 || os.IsNotExist(err) {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if clean := r.bytes(data); !bytes.Equal(clean, data) {
			return os.WriteFile(path, clean, 0o644)
		}
		return nil
	})
}
