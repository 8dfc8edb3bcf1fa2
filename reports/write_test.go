package reports

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "reports")
	paths, err := Write(dir, sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "junit.xml"), filepath.Join(dir, "summary.md"), filepath.Join(dir, "summary.json")}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths = %v, want %v", paths, want)
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() == 0 || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: size %d, mode %v", p, fi.Size(), fi.Mode().Perm())
		}
	}
	md, _ := os.ReadFile(paths[1])
	if string(md) != Markdown(sampleRun()) {
		t.Errorf("summary.md differs from Markdown()")
	}

	// A second write replaces the files and leaves no temporaries behind.
	if _, err := Write(dir, sampleRun()); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("dir holds %v, want only the three reports", names)
	}
}

func TestWriteUnwritableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(filepath.Join(file, "sub"), sampleRun()); err == nil {
		t.Error("Write under a regular file succeeded")
	}
}
