package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"dagger.io/dagger/engineconn"
)

// Environment variables the Dagger Go SDK (v0.21.9) and its CLI read.
const (
	envRunnerHost   = "_EXPERIMENTAL_DAGGER_RUNNER_HOST"
	envCLIBin       = "_EXPERIMENTAL_DAGGER_CLI_BIN"
	envSessionPort  = "DAGGER_SESSION_PORT"
	envSessionToken = "DAGGER_SESSION_TOKEN"
)

// howToProvide is the remedy every engine error ends with.
const howToProvide = "Provide an engine in one of these ways: start Docker (the dagger CLI runs its engine as a container); " +
	"or set " + envRunnerHost + "=tcp://HOST:PORT (or kube-pod://POD?namespace=NS) for a remote engine; " +
	"or install the dagger CLI 0.21.9 and set " + envCLIBin + " to its path (or run under `dagger run go run ./ci`). " +
	"Without a CLI the SDK downloads one from dl.dagger.io, which must then be reachable."

// engineEnv is what preflight looks at; tests replace none of it, they set
// PATH and the variables instead.
type engineEnv struct {
	getenv   func(string) string
	lookPath func(string) (string, error)
}

func osEngineEnv() engineEnv { return engineEnv{getenv: os.Getenv, lookPath: exec.LookPath} }

// route says how Connect will reach an engine.
type route struct {
	How    string // for the log
	CLIBin string // set _EXPERIMENTAL_DAGGER_CLI_BIN to this before Connect, if not empty
}

// preflight checks in seconds, in the SDK's own order, whether Connect can
// possibly succeed. It fails only when nothing can work; otherwise Connect
// (bounded by a deadline) has the last word.
func preflight(ctx context.Context, e engineEnv) (route, error) {
	if e.getenv(envSessionPort) != "" {
		if e.getenv(envSessionToken) == "" {
			return route{}, fmt.Errorf("%s is set but %s is not (both are set by `dagger run`). %s", envSessionPort, envSessionToken, howToProvide)
		}
		return route{How: "the session of `dagger run` (" + envSessionPort + ")"}, nil
	}
	var missing []string
	cli := e.getenv(envCLIBin)
	if cli != "" {
		st, err := os.Stat(cli)
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return route{}, fmt.Errorf("%s=%s is not an executable file. %s", envCLIBin, cli, howToProvide)
		}
	} else if p, err := e.lookPath("dagger"); err == nil {
		cli = p
	} else {
		missing = append(missing, "no dagger CLI ("+envCLIBin+" unset, no dagger on PATH; the SDK would download it from dl.dagger.io)")
	}
	if cli != "" {
		if err := cliVersion(ctx, cli); err != nil {
			return route{}, err
		}
	}
	if rh := e.getenv(envRunnerHost); rh != "" {
		if name, ok := strings.CutPrefix(rh, "docker-container://"); ok {
			if err := engineContainer(ctx, e, strings.SplitN(name, "?", 2)[0]); err != nil {
				return route{}, err
			}
		}
		return route{How: "the engine at " + envRunnerHost + "=" + rh, CLIBin: cli}, nil
	}
	if err := dockerInfo(ctx, e); err == nil {
		return route{How: "the local Docker engine", CLIBin: cli}, nil
	} else {
		missing = append(missing, "no Docker engine ("+err.Error()+")")
	}
	for _, rt := range []string{"podman", "nerdctl", "finch"} {
		if _, err := e.lookPath(rt); err == nil {
			return route{How: "the local " + rt, CLIBin: cli}, nil
		}
	}
	if cli != "" {
		// A CLI may know a way we do not (a config file, another
		// driver); let it try, under Connect's deadline.
		return route{How: "the dagger CLI at " + cli + " (no engine found by preflight)", CLIBin: cli}, nil
	}
	missing = append(missing, "no "+envRunnerHost+" for a remote engine", "no podman, nerdctl or finch on PATH")
	return route{}, fmt.Errorf("no Dagger engine can be reached: %s. %s", strings.Join(missing, "; "), howToProvide)
}

// sdkVersion is the version the SDK wants of the CLI and the engine.
var sdkVersion = "v" + engineconn.CLIVersion

// cliVersion asks the CLI its version, within 15 s, and refuses one that
// is not the SDK's: the SDK would start it anyway, and a CLI of another
// version fails later and less clearly, or pulls an engine image of its own.
func cliVersion(ctx context.Context, cli string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, "version").Output()
	f := strings.Fields(string(out))
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("the dagger CLI at %s did not answer `dagger version` within 15 s. %s", cli, howToProvide)
	case err != nil || len(f) < 2 || f[0] != "dagger":
		return fmt.Errorf("the dagger CLI at %s does not answer `dagger version` (%v: %q). %s", cli, err, firstLine(string(out)), howToProvide)
	case f[1] != sdkVersion:
		return fmt.Errorf("the dagger CLI at %s is %s; this pipeline's SDK (dagger.io/dagger %s) needs the CLI and the engine at %s", cli, f[1], sdkVersion, sdkVersion)
	}
	return nil
}

// offlineEnv keeps the CLI from asking dagger.io for a newer version and
// from sending telemetry, unless the user set either: a gate talks only
// to its engine.
var offlineEnv = map[string]string{"DAGGER_NO_UPDATE_CHECK": "1", "DO_NOT_TRACK": "1"}

// engineContainer checks, within seconds, that the engine container the
// docker-container driver will exec into runs, and that its engine is the
// SDK's version. An engine whose version cannot be read is left to Connect.
func engineContainer(ctx context.Context, e engineEnv, name string) error {
	docker, err := e.lookPath("docker")
	if err != nil {
		return fmt.Errorf("%s=docker-container://%s, but there is no docker on PATH to reach it with", envRunnerHost, name)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, docker, "inspect", "--type", "container", "--format", "{{.State.Running}}", name).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "true" {
		state := "does not exist"
		if err == nil {
			state = "is not running"
		}
		return fmt.Errorf("the engine container %s (%s=docker-container://%s) %s: start it (`go run . images --dagger-source DIR` starts rmqkb-dagger-engine; `docker start %s`)", name, envRunnerHost, name, state, name)
	}
	out, err = exec.CommandContext(ctx, docker, "exec", name, "dagger-engine", "--version").Output()
	if v := strings.Fields(string(out)); err == nil && len(v) > 0 && v[0] != sdkVersion {
		return fmt.Errorf("the engine in container %s is %s; this pipeline's SDK (dagger.io/dagger %s) needs the engine at %s", name, v[0], sdkVersion, sdkVersion)
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// dockerInfo asks the docker CLI whether a daemon answers, within 10 s.
func dockerInfo(ctx context.Context, e engineEnv) error {
	docker, err := e.lookPath("docker")
	if err != nil {
		return fmt.Errorf("no docker on PATH")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, docker, "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i]
		}
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("`docker info` failed: %s", msg)
	}
	return nil
}
