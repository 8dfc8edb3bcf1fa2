package reports

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/rmqkb/conformance/verdict"
)

// leak is one secret found in one written file.
type leak struct {
	file string // relative to the reports folder
	line int
	what string // what the secret is, never its value
}

func (l leak) String() string { return fmt.Sprintf("%s in %s line %d", l.what, l.file, l.line) }

// findLeaks searches every file under dir for every secret and returns
// where each was found, and how many files it read.
func findLeaks(dir string, secrets []verdict.Secret) ([]leak, int, error) {
	var out []leak
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(dir, path)
		out = append(out, leaksIn(rel, data, secrets)...)
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].file != out[j].file {
			return out[i].file < out[j].file
		}
		return out[i].line < out[j].line
	})
	return out, files, err
}

// leaksIn finds the secrets in one file's data, line by line.
func leaksIn(name string, data []byte, secrets []verdict.Secret) []leak {
	var out []leak
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), len(data)+1)
	for n := 1; sc.Scan(); n++ {
		for _, s := range secrets {
			if s.Value != "" && bytes.Contains(sc.Bytes(), []byte(s.Value)) {
				out = append(out, leak{file: name, line: n, what: s.What})
			}
		}
	}
	return out
}
