package reports

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/rmqkb/conformance/verdict"
)

// maxFigures bounds the figures shown per table row so the table stays
// readable in a step summary; JUnit and JSON carry them all.
const maxFigures = 4

// maxLogLines bounds the log tail quoted in the summary: GitHub caps a step
// summary at 1 MiB, and the JUnit report has the full tail.
const maxLogLines = 40

// Markdown renders the run for a GitHub step summary: the verdict and counts
// first, then one table row per case, then the story of every failure and
// error, then why cases were skipped.
func Markdown(run verdict.Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## RocketMQ conformance: %s (%s)\n\n", overall(run), countsLine(run))
	fmt.Fprintf(&b, "Target **%s** · RocketMQ %s · %s · %s\n\n",
		inline(run.Target), inline(orDash(run.Version)), inline(run.Topology.String()), humanDuration(run.Duration))

	if len(run.Results) == 0 {
		b.WriteString("No cases ran.\n")
		return b.String()
	}

	b.WriteString("| case | verdict | duration | key figures | pressure |\n")
	b.WriteString("| --- | --- | --- | --- | --- |\n")
	for _, g := range groupBySuite(run.Results) {
		for _, r := range g.Results {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n",
				cell(r.ID), cell(verdictCell(r)), humanDuration(r.Duration), cell(figuresCell(r.Figures)), cell(r.Starvation.String()))
		}
	}

	writeTime(&b, run)
	writeWaits(&b, run)

	var bad, skipped []verdict.Result
	for _, g := range groupBySuite(run.Results) {
		for _, r := range g.Results {
			switch r.Status {
			case verdict.Passed:
			case verdict.Skipped:
				skipped = append(skipped, r)
			default:
				bad = append(bad, r)
			}
		}
	}
	if len(bad) > 0 {
		b.WriteString("\n### Failures and errors\n")
		for _, r := range bad {
			writeProblem(&b, r)
		}
	}
	if len(skipped) > 0 {
		b.WriteString("\n### Skipped\n\n")
		for _, r := range skipped {
			fmt.Fprintf(&b, "- %s: %s\n", inline(r.ID), inline(orDash(r.Observed)))
		}
	}
	return b.String()
}

// writeProblem tells one failure or error: the promise, what was seen, the
// evidence, and for errors the end of the log, folded away.
func writeProblem(b *strings.Builder, r verdict.Result) {
	fmt.Fprintf(b, "\n#### %s (%s)\n\n", inline(r.ID), inline(string(r.Status)))
	if len(r.FailedClauses) > 0 {
		fmt.Fprintf(b, "- **failed clauses:** %s\n", codeList(r.FailedClauses))
	}
	if len(r.InconclusiveClauses) > 0 {
		fmt.Fprintf(b, "- **inconclusive clauses:** %s\n", codeList(r.InconclusiveClauses))
	}
	fmt.Fprintf(b, "- **promised:** %s\n", inline(r.Promise))
	fmt.Fprintf(b, "- **observed:** %s\n", inline(orDash(r.Observed)))
	if len(r.Evidence) > 0 {
		b.WriteString("- **evidence:**\n")
		for _, e := range r.Evidence {
			fmt.Fprintf(b, "  - %s\n", inline(e))
		}
	}
	if r.LogTail != "" {
		tail := lastLines(plain(r.LogTail), maxLogLines)
		fence := codeFence(tail)
		fmt.Fprintf(b, "\n<details><summary>log tail</summary>\n\n%s\n%s\n%s\n\n</details>\n", fence, tail, fence)
	}
}

// verdictCell is the status, with the clauses that failed or were
// inconclusive.
func verdictCell(r verdict.Result) string {
	ids := r.FailedClauses
	if len(ids) == 0 {
		ids = r.InconclusiveClauses
	}
	if len(ids) == 0 {
		return string(r.Status)
	}
	var short []string
	for _, id := range ids {
		_, c, _ := strings.Cut(id, "#")
		short = append(short, "#"+c)
	}
	return string(r.Status) + " " + strings.Join(short, " ")
}

// codeList writes ids as inline code, comma separated.
func codeList(ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, "`"+inline(id)+"`")
	}
	return strings.Join(out, ", ")
}

// figuresCell is "name value unit; …" for the first maxFigures figures.
func figuresCell(fs []verdict.Figure) string {
	var parts []string
	for i, f := range fs {
		if i == maxFigures {
			parts = append(parts, fmt.Sprintf("(+%d more)", len(fs)-maxFigures))
			break
		}
		parts = append(parts, FigureText(f))
	}
	return strings.Join(parts, "; ")
}

// inline keeps text on one line and stops it from being read as HTML: a
// stray "<pod>" in an observation would otherwise vanish from the summary.
func inline(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(plain(s))
	return strings.Join(strings.Fields(s), " ")
}

// plain drops ANSI sequences and control characters other than tab and
// newline, which a step summary would show raw.
func plain(s string) string {
	s = strings.ToValidUTF8(stripANSI(s), "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
}

// cell is inline text that also cannot break out of a table column.
func cell(s string) string {
	return strings.ReplaceAll(inline(s), "|", `\|`)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// lastLines returns at most n trailing lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// codeFence returns a backtick fence longer than any backtick run in s, so a
// log line cannot close the block early.
func codeFence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// writeTime breaks the run's wall time down: each suite (its cases and its
// setup), each fault a suite's setup performed once for several cases, and
// the rest (starting and finishing the run, writing the reports).
func writeTime(b *strings.Builder, run verdict.Run) {
	if run.Duration <= 0 {
		return
	}
	b.WriteString("\n### Time\n\n| part | time |\n| --- | --- |\n")
	for _, g := range groupBySuite(run.Results) {
		var cases time.Duration
		for _, r := range g.Results {
			cases += r.Duration
		}
		steps := run.StepsOf(g.Name)
		var setup time.Duration
		for _, s := range steps {
			setup += s.Duration
		}
		fmt.Fprintf(b, "| %s | %s |\n", cell(g.Name), humanDuration(cases+setup))
		for _, s := range steps {
			fmt.Fprintf(b, "| &nbsp;&nbsp;%s | %s |\n", cell(s.Name), humanDuration(s.Duration))
		}
	}
	fmt.Fprintf(b, "| rest: starting, finishing, reports | %s |\n| **run** | **%s** |\n", humanDuration(run.Unaccounted()), humanDuration(run.Duration))
}

// writeWaits lists the run's waits on RocketMQ's timers (figures with a
// Timer): time no suite can save, since the protocol takes it. A wait
// several cases were judged from (a shared fault's) is listed once,
// naming them all.
func writeWaits(b *strings.Builder, run verdict.Run) {
	type wait struct {
		cases []string
		f     verdict.Figure
	}
	var waits []*wait
	for _, r := range run.Results {
		for _, f := range r.Figures {
			if f.Timer == "" {
				continue
			}
			i := slices.IndexFunc(waits, func(w *wait) bool { return w.f == f })
			if i < 0 {
				waits = append(waits, &wait{f: f})
				i = len(waits) - 1
			}
			waits[i].cases = append(waits[i].cases, r.ID)
		}
	}
	if len(waits) == 0 {
		return
	}
	b.WriteString("\n### Waits on RocketMQ's timers\n\nTime the protocol takes, whatever the suite does.\n\n| case | wait | took | timer |\n| --- | --- | --- | --- |\n")
	for _, w := range waits {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", cell(strings.Join(w.cases, ", ")), cell(w.f.Name), humanDuration(time.Duration(w.f.Value)*time.Millisecond), cell(w.f.Timer))
	}
}
