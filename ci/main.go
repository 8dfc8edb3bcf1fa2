// Command ci is the Dagger pipeline for nightly runs and pre-release
// gating: it builds the suite, runs `e2e` in a privileged container that
// also holds a Docker engine, exports the reports and exits with the
// suite's verdict (0 passed, 1 a check failed, 2 setup or pipeline error).
//
//	go run ./ci [--suites routing,messaging | --run REGEX] [--shards N] [--replicas N]
//	            [--kind-node-image IMG@sha256:...] [--kubeblocks-version V] [--addon-version V]
//	            [--keep-on-failure] [--reports DIR] [--timeout D]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// connectTimeout bounds reaching an engine, instead of the SDK's 300 s.
const connectTimeout = 45 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, connectTimeout)
	stop()
	os.Exit(code)
}

// run is the whole command; it returns the exit code. reach bounds
// reaching an engine (connectTimeout; a test's shorter).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, reach time.Duration) int {
	started := time.Now()
	f, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		f.RunID = started.UTC().Format(time.RFC3339Nano)
		var p Plan
		if p, err = NewPlan(f); err == nil {
			return pipeline(ctx, p, f, started, reach, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "error: %v\n", err)
	return 2
}

// pipeline reaches an engine, within reach, and runs p. Any failure before
// the suite's verdict is written as an errored pipeline testcase, and
// exits 2.
func pipeline(ctx context.Context, p Plan, f Flags, started time.Time, reach time.Duration, stdout, stderr io.Writer) int {
	stderr = &lockedWriter{w: stderr} // shared with the SDK's goroutines
	fmt.Fprintf(stdout, "plan:\n%s\n", p)
	fail := func(id string, err error) int {
		fmt.Fprintf(stderr, "%s: %v\n", id, err)
		if werr := writeError(f.Reports, id, err.Error(), started); werr != nil {
			fmt.Fprintf(stderr, "writing the report: %v\n", werr)
		} else {
			fmt.Fprintf(stderr, "wrote %s/junit.xml\n", f.Reports)
		}
		return 2
	}
	for k, v := range offlineEnv {
		if _, set := os.LookupEnv(k); !set {
			os.Setenv(k, v)
		}
	}
	rt, err := preflight(ctx, osEngineEnv())
	if err != nil {
		return fail("pipeline/engine", err)
	}
	// The SDK tells set from unset; preflight treats empty as unset, and
	// so must the SDK.
	for _, k := range []string{envRunnerHost, envCLIBin, envSessionPort, envSessionToken} {
		if v, ok := os.LookupEnv(k); ok && v == "" {
			os.Unsetenv(k)
		}
	}
	if rt.CLIBin != "" && os.Getenv(envCLIBin) == "" {
		os.Setenv(envCLIBin, rt.CLIBin) // the SDK would otherwise download one
	}
	fmt.Fprintf(stdout, "engine: %s\n", rt.How)
	c, closeSession, err := connect(ctx, reach, stderr)
	if err != nil {
		return fail("pipeline/engine", fmt.Errorf("connect via %s: %v. %s", rt.How, err, howToProvide))
	}
	defer closeSession()
	// The build, pulling images and bringing kind up come on top of the
	// cases' own bound.
	rctx, rcancel := context.WithTimeout(ctx, f.Timeout+60*time.Minute)
	defer rcancel()
	say := func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) }
	code, err := execute(rctx, c, p, say)
	if err != nil {
		var se *stepError
		if errors.As(err, &se) {
			return fail(se.ID, se.Err)
		}
		return fail("pipeline/run", err)
	}
	fmt.Fprintf(stdout, "e2e exited %d; reports in %s\n", code, f.Reports)
	return code
}
