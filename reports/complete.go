package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rmqkb/conformance/verdict"
)

// DiagnosticsDir is the folder under the reports folder where a run that
// did not pass leaves what a maintainer needs to see why.
const DiagnosticsDir = "diagnostics"

// Finish is what a command hands over once its cases are done.
type Finish struct {
	// Dir is the reports folder.
	Dir string
	// Secrets are the values no written file may hold; nil when the
	// target has none (accounts/no-leak is then skipped by the engine).
	Secrets func(ctx context.Context) ([]verdict.Secret, error)
	// Collect writes diagnostics into dir when the run did not pass; nil
	// when the target has none to give.
	Collect func(ctx context.Context, dir string) error
	// Progress receives a line for each step worth telling; nil for none.
	Progress func(format string, args ...any)

	// skipRedaction is for the tests that prove accounts/no-leak catches
	// what redaction would otherwise have hidden.
	skipRedaction bool
}

// Complete is the one way from a run to its report, for every command:
// it redacts every result text, collects diagnostics when the run did not
// pass and redacts them, writes junit.xml, summary.md and summary.json,
// and then judges accounts/no-leak on the files as written, rewriting the
// reports with that verdict. It returns the run as reported and its exit
// code.
func Complete(ctx context.Context, run verdict.Run, f Finish) (verdict.Run, int, error) {
	say := f.Progress
	if say == nil {
		say = func(string, ...any) {}
	}
	ctx = context.WithoutCancel(ctx) // a report is worth writing after an interrupt
	var secrets []verdict.Secret
	var secretsErr error
	if f.Secrets != nil {
		secrets, secretsErr = f.Secrets(ctx)
	}
	red := newRedactor(secrets)
	if !f.skipRedaction {
		red.run(&run)
	}
	diag := filepath.Join(f.Dir, DiagnosticsDir)
	// A diagnostics folder of an earlier run would be read as this one's.
	if err := os.RemoveAll(diag); err != nil {
		return run, 2, fmt.Errorf("reports: remove the earlier %s: %w", diag, err)
	}
	if verdictBefore(run) != 0 && f.Collect != nil {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err := f.Collect(cctx, diag)
		cancel()
		if err != nil {
			say("collect diagnostics: %v", err)
		}
		if !f.skipRedaction {
			if err := red.tree(diag); err != nil {
				return run, 2, fmt.Errorf("reports: redact %s: %w", diag, err)
			}
		}
		if _, err := os.Stat(diag); err == nil {
			say("diagnostics written to %s", diag)
		}
	}
	if _, err := Write(f.Dir, run); err != nil {
		return run, 2, err
	}
	i := pendingNoLeak(run)
	if i < 0 {
		return run, run.ExitCode(), nil
	}
	start := time.Now()
	run.Results[i] = judgeNoLeak(run.Results[i], f.Dir, secrets, secretsErr)
	run.Results[i].Duration = time.Since(start)
	if _, err := Write(f.Dir, run); err != nil {
		return run, 2, err
	}
	return run, run.ExitCode(), nil
}

// verdictBefore is the run's exit code with accounts/no-leak still to
// judge counted as passed: whether diagnostics are worth collecting.
func verdictBefore(run verdict.Run) int {
	r := run
	r.Results = append([]verdict.Result(nil), run.Results...)
	if i := pendingNoLeak(r); i >= 0 {
		r.Results[i].Status = verdict.Passed
	}
	return r.ExitCode()
}

// pendingNoLeak is the index of accounts/no-leak waiting for its verdict,
// or -1.
func pendingNoLeak(run verdict.Run) int {
	for i, r := range run.Results {
		if r.Suite == "accounts" && r.Case == verdict.NoLeakCase && r.Status == verdict.Pending {
			return i
		}
	}
	return -1
}

// judgeNoLeak searches every file under dir for the secrets. The result
// names files and lines, never a value.
func judgeNoLeak(r verdict.Result, dir string, secrets []verdict.Secret, secretsErr error) verdict.Result {
	r.Observed = ""
	switch {
	case secretsErr != nil:
		r.Status, r.Observed = verdict.Errored, "read the secrets to look for: "+secretsErr.Error()
		return r
	case len(secrets) == 0:
		return failNoLeak(r, "the target names no account secret to look for, so nothing the run wrote could be checked")
	}
	leaks, files, err := findLeaks(dir, secrets)
	if err != nil {
		r.Status, r.Observed = verdict.Errored, "read what the run wrote: "+err.Error()
		return r
	}
	r.Evidence = append(r.Evidence, fmt.Sprintf("searched %d files under %s for %d secrets", files, dir, len(secrets)))
	if len(leaks) == 0 {
		r.Status = verdict.Passed
		return r
	}
	var lines []string
	for _, l := range leaks {
		lines = append(lines, l.String())
	}
	return failNoLeak(r, fmt.Sprintf("%d secret values were written: %s", len(leaks), strings.Join(lines, "; ")))
}

// failNoLeak fails accounts/no-leak's one clause, saying observed.
func failNoLeak(r verdict.Result, observed string) verdict.Result {
	r.Status = verdict.Failed
	r.Observed = "[" + verdict.ClauseNoLeak.ID + "] " + observed
	r.FailedClauses = []string{verdict.ClauseID(r.ID, verdict.ClauseNoLeak.ID)}
	return r
}
