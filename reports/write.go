package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/rmqkb/conformance/verdict"
)

// File names Write uses in its directory.
const (
	JUnitFile    = "junit.xml"
	MarkdownFile = "summary.md"
	JSONFile     = "summary.json"
)

// Write creates dir and writes junit.xml, summary.md and summary.json for
// run, returning the paths written. Each file is written to a temporary file
// and renamed into place, so a CI step that reads the reports never sees a
// half-written one, even if the run is killed while writing.
func Write(dir string, run verdict.Run) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	junitXML, err := junitBytes(run)
	if err != nil {
		return nil, fmt.Errorf("reports: junit: %w", err)
	}
	jsonDoc, err := JSON(run)
	if err != nil {
		return nil, fmt.Errorf("reports: json: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{
		{JUnitFile, junitXML},
		{MarkdownFile, []byte(Markdown(run))},
		{JSONFile, jsonDoc},
	}
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := writeAtomic(p, f.data); err != nil {
			return paths, fmt.Errorf("reports: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// junitBytes renders the JUnit report with an XML declaration.
func junitBytes(run verdict.Run) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	suites := JUnit(run)
	if err := suites.WriteXML(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeAtomic writes data to a temporary file beside path and renames it
// over path. The file is made world-readable: reports are CI artifacts.
func writeAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// sortedKeys returns m's keys in order, so reports are byte-for-byte
// reproducible.
func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
