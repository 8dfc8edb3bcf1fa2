package reports

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/verdict"
)

func TestJSONRoundTrip(t *testing.T) {
	run := sampleRun()
	data, err := JSON(run)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "{\n  \"") {
		t.Errorf("not two-space indented: %.40q", data)
	}

	var doc Document
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc.Run, run) {
		t.Errorf("run did not round-trip:\n got %+v\nwant %+v", doc.Run, run)
	}
	if want := (Counts{Total: 7, Passed: 4, Failed: 1, Skipped: 1, Errored: 1}); doc.Counts != want {
		t.Errorf("counts = %+v, want %+v", doc.Counts, want)
	}
	if doc.ExitCode != 2 {
		t.Errorf("exit_code = %d, want 2", doc.ExitCode)
	}

	if !strings.Contains(string(data), `"namesrv-0 said <none>"`) {
		t.Errorf("JSON escapes HTML characters")
	}

	// The wire names tools depend on.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"target", "rocketmq_version", "topology", "suite_version", "properties", "started", "duration_ns", "results", "counts", "exit_code"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

func TestJSONEmptyRun(t *testing.T) {
	data, err := JSON(verdict.Run{Target: "local"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{`"results": []`, `"exit_code": 0`, `"total": 0`} {
		if !strings.Contains(s, want) {
			t.Errorf("empty run JSON lacks %s:\n%s", want, s)
		}
	}
}
