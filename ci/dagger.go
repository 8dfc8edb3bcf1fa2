package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"dagger.io/dagger"
)

// connect opens a Dagger session, giving up after reach even if the SDK
// does not (it waits up to 300 s for session params). The session lives
// with ctx: the SDK ends the CLI it starts when the context it connected
// with ends, so only a failed or late connect cancels it, and close ends
// it. The SDK writes to log from several goroutines, possibly after
// connect returned: log must be safe for that (see lockedWriter).
func connect(ctx context.Context, reach time.Duration, log io.Writer) (c *dagger.Client, close func(), err error) {
	type result struct {
		c   *dagger.Client
		err error
	}
	sctx, cancel := context.WithCancel(ctx)
	ch := make(chan result, 1)
	go func() {
		c, err := dagger.Connect(sctx, dagger.WithLogOutput(log))
		ch <- result{c, err}
	}()
	timer := time.NewTimer(reach)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			cancel()
			return nil, nil, r.err
		}
		return r.c, func() { r.c.Close(); cancel() }, nil
	case <-timer.C:
		cancel()
		return nil, nil, fmt.Errorf("no Dagger session within the connect deadline (%s)", reach)
	case <-ctx.Done():
		cancel()
		return nil, nil, fmt.Errorf("no Dagger session: %w", context.Cause(ctx))
	}
}

// stepError is a pipeline step that broke before the suite gave a verdict.
type stepError struct {
	ID  string // pipeline/<step>
	Err error
}

func (e *stepError) Error() string { return e.ID + ": " + e.Err.Error() }
func (e *stepError) Unwrap() error { return e.Err }

// execute runs p on c and returns the suite's exit code. The reports are
// exported whatever the verdict. Each step's end is said on say, with its
// time.
func execute(ctx context.Context, c *dagger.Client, p Plan, say func(string, ...any)) (int, error) {
	t0 := time.Now()
	build, err := buildStep(ctx, c, p.Build)
	if err != nil {
		return 2, err
	}
	say("build: done in %s", since(t0))
	t1 := time.Now()
	run, code, err := runStep(ctx, c, p.Run, build.File(p.Build.Binary), build)
	if err != nil {
		return 2, err
	}
	say("run: e2e exited %d after %s", code, since(t1))
	t2 := time.Now()
	if err := exportStep(ctx, run, p.Export, code); err != nil {
		return 2, err
	}
	say("export: done in %s", since(t2))
	return code, nil
}

// buildStep builds the suite binary in the Go image, with the module and
// build caches mounted.
func buildStep(ctx context.Context, c *dagger.Client, b BuildStep) (*dagger.Container, error) {
	src := c.Host().Directory(b.Source, dagger.HostDirectoryOpts{Exclude: b.Exclude, Gitignore: true})
	build := c.Container().From(b.Image)
	for _, m := range b.Caches {
		build = withCache(c, build, m)
	}
	for _, e := range b.Env {
		build = build.WithEnvVariable(e.Name, e.Value)
	}
	build = build.WithMountedDirectory(b.Workdir, src).WithWorkdir(b.Workdir).WithExec(b.Command)
	if _, err := build.Sync(ctx); err != nil {
		return nil, &stepError{"pipeline/build", describe(err)}
	}
	return build, nil
}

// runStep runs the run script, and with it e2e, in the privileged run
// container; the container's exit code is the suite's.
func runStep(ctx context.Context, c *dagger.Client, r RunStep, binary *dagger.File, build *dagger.Container) (*dagger.Container, int, error) {
	run := c.Container().From(r.Image)
	for _, m := range r.Caches {
		run = withCache(c, run, m)
	}
	for _, e := range r.Env {
		run = run.WithEnvVariable(e.Name, e.Value)
	}
	for _, dir := range r.FromBuild {
		run = run.WithDirectory(dir, build.Directory(dir))
	}
	for _, in := range r.Inputs {
		if in.File {
			run = run.WithMountedFile(in.Path, c.Host().File(in.Host))
		} else {
			run = run.WithMountedDirectory(in.Path, c.Host().Directory(in.Host))
		}
	}
	run = run.WithFile(r.Binary, binary).
		WithExec(r.Command, dagger.ContainerWithExecOpts{
			InsecureRootCapabilities: r.Privileged,
			Expect:                   dagger.ReturnTypeAny,
		})
	code, err := run.ExitCode(ctx)
	if err != nil {
		return nil, 2, &stepError{"pipeline/run", describe(err)}
	}
	return run, code, nil
}

// exportStep copies the run container's reports to the host. A run that
// wrote no junit.xml is a pipeline error, with the container's stderr.
func exportStep(ctx context.Context, run *dagger.Container, e Export, code int) error {
	to, err := filepath.Abs(e.To)
	if err != nil {
		return &stepError{"pipeline/export", err}
	}
	for _, name := range []string{"junit.xml", "summary.md", "summary.json"} {
		os.Remove(filepath.Join(to, name)) // an earlier run's must not pass for this one's
	}
	if _, err := run.Directory(e.From).Export(ctx, to); err != nil {
		return &stepError{"pipeline/export", describe(err)}
	}
	if _, err := os.Stat(filepath.Join(to, "junit.xml")); err != nil {
		// The suite wrote no report (dockerd did not start, the binary
		// crashed): say so in one, with the container's stderr.
		stderr, _ := run.Stderr(ctx)
		return &stepError{"pipeline/run", fmt.Errorf("e2e exited %d without writing junit.xml; stderr tail:\n%s", code, tail(stderr, 4000))}
	}
	return nil
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Second) }

func withCache(c *dagger.Client, ctr *dagger.Container, m CacheMount) *dagger.Container {
	opts := dagger.ContainerWithMountedCacheOpts{Sharing: dagger.CacheSharingModeShared}
	if m.Locked {
		opts.Sharing = dagger.CacheSharingModeLocked
	}
	return ctr.WithMountedCache(m.Path, c.CacheVolume(m.Volume), opts)
}

// describe adds an exec failure's output to its error.
func describe(err error) error {
	var ee *dagger.ExecError
	if errors.As(err, &ee) {
		return fmt.Errorf("%v exited %d; stderr tail:\n%s", ee.Cmd, ee.ExitCode, tail(ee.Stderr, 4000))
	}
	return err
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
