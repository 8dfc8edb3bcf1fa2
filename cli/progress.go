package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/rmqkb/conformance/reports"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// progress prints one line per step and case, each with the time since the
// run began, so a long run shows where it is and a CI log shows where the
// time went.
type progress struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
	buf   []byte
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line(fmt.Sprintf(format, args...))
}

func (p *progress) line(s string) {
	fmt.Fprintf(p.w, "[%6.1fs] %s\n", time.Since(p.start).Seconds(), s)
}

// Write lets the launcher's progress lines go through the same prefix.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		p.line(string(p.buf[:i]))
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}

// CaseStarted implements scenarios.Progress.
func (p *progress) CaseStarted(c scenarios.Case) { p.Printf("RUN   %s", c.ID()) }

// CaseDone implements scenarios.Progress.
func (p *progress) CaseDone(r verdict.Result) {
	word := map[verdict.Status]string{verdict.Passed: "PASS", verdict.Failed: "FAIL", verdict.Skipped: "SKIP", verdict.Errored: "ERROR", verdict.Pending: "LATER"}[r.Status]
	var figs []string
	for _, f := range r.Figures {
		if len(figs) == 4 {
			figs = append(figs, "…")
			break
		}
		figs = append(figs, reports.FigureText(f))
	}
	line := fmt.Sprintf("%-5s %s (%s)", word, r.ID, r.Duration.Round(10*time.Millisecond))
	if len(figs) > 0 {
		line += ": " + strings.Join(figs, ", ")
	}
	p.Printf("%s", line)
	if r.Status != verdict.Passed && r.Observed != "" {
		for _, l := range strings.Split(r.Observed, "\n") {
			p.Printf("        %s", l)
		}
	}
}
