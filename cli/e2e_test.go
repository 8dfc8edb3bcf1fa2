package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EWithoutAnEngine: on a machine with a docker CLI but no engine (as
// here and in CI), e2e (with --keep, which is e2e's own flag, not the
// local target's) ends within seconds with exit 2, a report whose
// setup testcase says what is missing and how to get it, and nothing left
// behind: no state, no run folder.
func TestE2EWithoutAnEngine(t *testing.T) {
	bin := t.TempDir()
	stub := "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	tmp, reports := sandbox(t)
	// A setup the run's timeout cuts would say so, not docker's words.
	code, out := run(t, "e2e", "--keep", "--reports", reports, "--timeout", "1m")
	if code != ExitSetup {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	st := caseStatus(t, reports)["setup/target"]
	for _, want := range []string{"errored:", "no Docker engine", "Cannot connect to the Docker daemon", "go run ./ci"} {
		if !strings.Contains(st, want) {
			t.Errorf("setup/target does not say %q: %s", want, st)
		}
	}
	for id, s := range caseStatus(t, reports) {
		if id != "setup/target" && !strings.HasPrefix(s, "skipped:") {
			t.Errorf("%s: %s, want skipped", id, s)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left %v in the temp dir", left)
	}
	if _, err := os.Stat(filepath.Join(cache, "rmqkb-conformance", "e2e")); !os.IsNotExist(err) {
		t.Errorf("e2e left state behind: %v", err)
	}
}

func TestDownWithNothingUp(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	code, out := run(t, "down", "--name", "never-up")
	if code != ExitPassed || !strings.Contains(out, "nothing to do") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestLifecycleFlagsRefuseBadInputs: a chart folder that is not one, or a
// mirror that is not HOST:PORT, is a usage error naming the flag, before
// anything starts or is written.
func TestLifecycleFlagsRefuseBadInputs(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	empty := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"e2e", "--addon-chart", filepath.Join(empty, "nope")}, "--addon-chart"},
		{[]string{"e2e", "--kubeblocks-chart", empty}, "--kubeblocks-chart"},
		{[]string{"up", "--addon-chart", empty}, "--addon-chart"},
		{[]string{"e2e", "--registry-mirror", "http://registry"}, "--registry-mirror"},
		{[]string{"up", "--registry-mirror", "registry:99999"}, "--registry-mirror"},
		{[]string{"e2e", "--registry-mirror", "localhost:5001"}, "the kind node itself"},
	} {
		code, out := run(t, c.args...)
		if code != ExitSetup || !strings.Contains(out, c.want) || !strings.Contains(out, "expected") {
			t.Errorf("%q: exit %d, want 2 with an error naming %s and what was expected:\n%s", c.args, code, c.want, out)
		}
	}
	if left, _ := os.ReadDir(cache); len(left) > 0 {
		t.Errorf("bad inputs left %v in the cache folder", left)
	}
}
