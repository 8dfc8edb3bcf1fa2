package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stub writes an executable shell script into dir. A failing dagger stub
// sleeps after writing its error: the SDK reads the CLI's stderr
// concurrently with stdout, and an instant exit can reach it as a bare EOF
// before the stderr text.
func stub(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// stubCLI is a dagger stub that answers `dagger version` as the CLI of the
// SDK's version does, and runs body for anything else.
func stubCLI(t *testing.T, dir, body string) string {
	t.Helper()
	return stub(t, dir, "dagger", `if [ "$1" = version ]; then echo "dagger `+sdkVersion+` (stub) linux/amd64"; exit 0; fi`+"\n"+body)
}

// isolate leaves the test only what it sets up: no engine variables, a
// PATH of bin alone, and a private cache, so nothing leaves loopback.
func isolate(t *testing.T, bin string) {
	t.Helper()
	for _, k := range []string{envRunnerHost, envCLIBin, envSessionPort, envSessionToken} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	t.Setenv("PATH", bin)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
}

// failFast runs the real command and checks exit 2, its duration, and the
// errored pipeline testcase in junit.xml; it returns junit.xml.
func failFast(t *testing.T) string {
	t.Helper()
	return failFastWithin(t, connectTimeout)
}

// failFastWithin is failFast with reach bounding the connect to an engine.
func failFastWithin(t *testing.T, reach time.Duration) string {
	t.Helper()
	reports := filepath.Join(t.TempDir(), "reports")
	var stderr strings.Builder
	// Under a minute, or the run is interrupted and says so instead of
	// what the callers look for.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	code := run(ctx, []string{"--suites", "routing", "--reports", reports}, io.Discard, &stderr, reach)
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(reports, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	junit := string(data)
	for _, s := range []string{`<testcase name="pipeline/engine" classname="pipeline"`, `errors="1"`, "<error message="} {
		if !strings.Contains(junit, s) {
			t.Errorf("junit.xml lacks %q:\n%s", s, junit)
		}
	}
	for _, f := range []string{"summary.md", "summary.json"} {
		if _, err := os.Stat(filepath.Join(reports, f)); err != nil {
			t.Error(err)
		}
	}
	return junit
}

// withRemedy checks that an engine error says every way to provide one.
func withRemedy(t *testing.T, junit string) string {
	t.Helper()
	for _, s := range []string{"start Docker", envRunnerHost + "=tcp://", "kube-pod://", envCLIBin, "0.21.9"} {
		if !strings.Contains(junit, s) {
			t.Errorf("junit.xml lacks %q:\n%s", s, junit)
		}
	}
	return junit
}

// A CLI that cannot start an engine (here a stub that fails the way the
// real one does without a daemon) and a docker without a daemon: the SDK's
// own error reaches the report, in seconds.
func TestFailFastWithStubCLIAndNoDaemon(t *testing.T) {
	bin := t.TempDir()
	stub(t, bin, "docker", `echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1`)
	cli := stubCLI(t, t.TempDir(), `echo "Error: start engine: Cannot connect to the Docker daemon (stub)" >&2; /bin/sleep 0.3; exit 1`)
	isolate(t, bin)
	t.Setenv(envCLIBin, cli)
	junit := withRemedy(t, failFast(t))
	for _, s := range []string{"failed to read session params", "start engine: Cannot connect to the Docker daemon (stub)", "connect via the dagger CLI at " + cli} {
		if !strings.Contains(junit, s) {
			t.Errorf("junit.xml lacks %q:\n%s", s, junit)
		}
	}
}

// A dagger on PATH is used as the CLI, so the SDK never downloads one.
func TestDaggerOnPathIsUsedAsTheCLI(t *testing.T) {
	bin := t.TempDir()
	stubCLI(t, bin, `echo "Error: stub dagger on PATH" >&2; /bin/sleep 0.3; exit 1`)
	isolate(t, bin)
	junit := withRemedy(t, failFast(t))
	if !strings.Contains(junit, "stub dagger on PATH") {
		t.Errorf("junit.xml does not show the PATH dagger ran:\n%s", junit)
	}
}

// Nothing at all: no CLI, no docker, no remote engine. Preflight says so
// without calling the SDK (which would try dl.dagger.io).
func TestFailFastWithNothing(t *testing.T) {
	isolate(t, t.TempDir())
	junit := withRemedy(t, failFast(t))
	for _, s := range []string{"no Dagger engine can be reached", "no dagger CLI", "no docker on PATH"} {
		if !strings.Contains(junit, s) {
			t.Errorf("junit.xml lacks %q:\n%s", s, junit)
		}
	}
}

// A CLI path that is not there is an engine error, not a hang.
func TestMissingCLIBin(t *testing.T) {
	isolate(t, t.TempDir())
	t.Setenv(envCLIBin, "/nonexistent/dagger")
	junit := withRemedy(t, failFast(t))
	if !strings.Contains(junit, "/nonexistent/dagger is not an executable file") {
		t.Errorf("junit.xml:\n%s", junit)
	}
}

func TestSessionPortWithoutToken(t *testing.T) {
	isolate(t, t.TempDir())
	t.Setenv(envSessionPort, "12345")
	junit := withRemedy(t, failFast(t))
	if !strings.Contains(junit, envSessionToken+" is not") {
		t.Errorf("junit.xml:\n%s", junit)
	}
}

// A CLI that never prints session params (and, like the real one, ends
// when the SDK closes its stdin) is cut off at the connect deadline, not
// after the SDK's 300 s.
func TestConnectDeadline(t *testing.T) {
	isolate(t, t.TempDir())
	t.Setenv(envCLIBin, stubCLI(t, t.TempDir(), "exec /bin/cat"))
	junit := withRemedy(t, failFastWithin(t, time.Second))
	if !strings.Contains(junit, "no Dagger session within the connect deadline (1s)") {
		t.Errorf("junit.xml does not name the deadline:\n%s", junit)
	}
}

// An engine the pipeline cannot use is one clear line before any
// connection: the engine container missing or stopped, an engine or a CLI
// of another version than the SDK's.
func TestEngineAndCLIVersionsChecked(t *testing.T) {
	const engine = "docker-container://rmqkb-dagger-engine"
	for _, tc := range []struct {
		name, docker, cli string
		want              []string
	}{
		{"no engine container",
			`echo "Error: No such container: rmqkb-dagger-engine" >&2; exit 1`, "",
			[]string{"engine container rmqkb-dagger-engine", "does not exist", "images --dagger-source"}},
		{"engine stopped",
			`case "$1" in inspect) echo false;; *) exit 1;; esac`, "",
			[]string{"engine container rmqkb-dagger-engine", "is not running", "docker start rmqkb-dagger-engine"}},
		{"engine of another version",
			`case "$1" in inspect) echo true;; exec) echo "v0.20.3 v0.20.3 linux/amd64";; *) exit 1;; esac`, "",
			[]string{"the engine in container rmqkb-dagger-engine is v0.20.3", "needs the engine at " + sdkVersion}},
		{"CLI of another version",
			`echo unused; exit 1`, `if [ "$1" = version ]; then echo "dagger v0.19.0 (registry.dagger.io/engine:v0.19.0) linux/amd64"; exit 0; fi; exit 1`,
			[]string{"is v0.19.0", "needs the CLI and the engine at " + sdkVersion}},
		{"not a dagger CLI",
			`echo unused; exit 1`, `echo "usage: something else"; exit 0`,
			[]string{"does not answer `dagger version`"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			stub(t, bin, "docker", tc.docker)
			isolate(t, bin)
			cli := stubCLI(t, t.TempDir(), "exit 1")
			if tc.cli != "" {
				cli = stub(t, t.TempDir(), "dagger", tc.cli)
			}
			t.Setenv(envCLIBin, cli)
			t.Setenv(envRunnerHost, engine)
			junit := failFast(t)
			for _, s := range tc.want {
				if !strings.Contains(junit, s) {
					t.Errorf("junit.xml lacks %q:\n%s", s, junit)
				}
			}
		})
	}
}
