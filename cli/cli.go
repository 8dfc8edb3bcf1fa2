// Package cli is the command line of the conformance suite: commands, flags,
// progress and exit codes. main.go only calls Main.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/usage"
)

// Exit codes, the contract CI gates on.
const (
	ExitPassed = 0 // every case passed or was skipped
	ExitFailed = 1 // a conformance check failed
	ExitSetup  = 2 // bad usage or a setup error
)

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, rest := "run", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	var err error
	code := ExitPassed
	switch cmd {
	case "run":
		code, err = runCommand(ctx, rest, stdout, stderr)
	case "audit":
		code, err = auditCommand(ctx, rest, stdout, stderr)
	case "e2e":
		code, err = e2eCommand(ctx, rest, stdout, stderr)
	case "up":
		code, err = upCommand(ctx, rest, stdout, stderr)
	case "down":
		code, err = downCommand(ctx, rest, stdout, stderr)
	case "dump":
		code, err = dumpCommand(ctx, rest, stdout, stderr)
	case "images":
		code, err = imagesCommand(ctx, rest, stdout, stderr)
	case "list":
		err = listCommand(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, topUsage)
		return ExitPassed
	default:
		err = usage.Errorf("unknown command %q; expected one of: run, audit, dump, e2e, up, down, images, list, help", cmd)
	}
	if err == nil {
		return code
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitPassed
	}
	fmt.Fprintf(stderr, "error: %v\n", err)
	if usage.Is(err) {
		fmt.Fprintf(stderr, "run '%s help' for usage\n", progName())
	}
	return ExitSetup
}

const topUsage = `RocketMQ on KubeBlocks conformance suite.

Usage:
  go run . [run] [flags]         run the suites (default: every suite on the local target)
  go run . run --target kube --kubeconfig FILE --namespace NS --cluster NAME
                                 run them against an existing KubeBlocks RocketMQ Cluster
  go run . audit --from DIR      check the layout and accounts of a folder of object dumps
  go run . dump --out DIR        write a Cluster's objects as audit reads them, Secrets redacted
  go run . e2e                   kind up, KubeBlocks and the addon installed, the Cluster created,
                                 every suite run, reports written, everything torn down
  go run . up | down             the first and last steps of e2e on their own
  go run . images [stop]         build every image e2e needs, offline, into a local registry
  go run . list [--run REGEX]    list the case IDs
  go run . help

Run 'go run . run -h' or 'go run . audit -h' for their flags.

Exit codes: 0 all passed (skips allowed), 1 a conformance check failed, 2 usage or setup error.
`

func progName() string {
	if len(os.Args) > 0 && !strings.Contains(os.Args[0], "go-build") {
		return os.Args[0]
	}
	return "go run ."
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args and turns flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usage.Errorf("%v", err)
	}
	if fs.NArg() > 0 {
		return usage.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// settingsFlag collects repeatable KEY=VALUE broker config flags.
type settingsFlag struct {
	name string
	vals []string
}

func (s *settingsFlag) String() string     { return strings.Join(s.vals, ",") }
func (s *settingsFlag) Set(v string) error { s.vals = append(s.vals, v); return nil }

// optionalDuration is a duration flag that knows whether it was given, so
// that a default can depend on other flags.
type optionalDuration struct {
	d   time.Duration
	set bool
}

func (o *optionalDuration) String() string {
	if !o.set {
		return ""
	}
	return o.d.String()
}

func (o *optionalDuration) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return err
	}
	o.d, o.set = d, true
	return nil
}
