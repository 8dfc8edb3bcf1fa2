package images

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// run runs a command and returns its standard output; on failure the error
// names the command and carries the end of its output.
func run(ctx context.Context, dir string, stdin io.Reader, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0", "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(shortArgs(args), " "), err,
			lastLines(strings.TrimSpace(errb.String()+"\n"+out.String()), 15))
	}
	return out.String(), nil
}

// shortArgs keeps an error's command line readable: long arguments (a
// package list) are cut.
func shortArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if len(a) > 80 {
			a = a[:77] + "..."
		}
		out[i] = a
	}
	return out
}

// docker runs the docker CLI.
func docker(ctx context.Context, args ...string) (string, error) {
	return run(ctx, "", nil, "docker", args...)
}

// pipe runs `from | to`, both commands, and fails if either fails.
func pipe(ctx context.Context, from, to []string) error {
	src := exec.CommandContext(ctx, from[0], from[1:]...)
	dst := exec.CommandContext(ctx, to[0], to[1:]...)
	r, w := io.Pipe()
	src.Stdout, dst.Stdin = w, r
	var srcErr, dstErr bytes.Buffer
	src.Stderr, dst.Stderr = &srcErr, &dstErr
	var dstOut bytes.Buffer
	dst.Stdout = &dstOut
	if err := dst.Start(); err != nil {
		return err
	}
	err1 := src.Run()
	w.CloseWithError(err1)
	err2 := dst.Wait()
	r.Close()
	if err1 != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(shortArgs(from), " "), err1, lastLines(srcErr.String(), 10))
	}
	if err2 != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(shortArgs(to), " "), err2, lastLines(dstErr.String()+dstOut.String(), 10))
	}
	return nil
}
