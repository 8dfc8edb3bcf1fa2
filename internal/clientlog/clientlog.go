// Package clientlog takes over rocketmq-client-go's logging (rlog). The
// client reports what goes wrong inside a consumer only in its log: a pull
// the broker refuses ("subscription group does not exist"), a rebalance
// that fails. A case that finds messages undelivered quotes those lines as
// its evidence, so this package keeps the recent warnings and errors in
// memory, and writes every line at or above the chosen level to an output
// (a file in the run folder; the client is too chatty for the terminal).
package clientlog

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2/rlog"
)

// keep bounds the warnings and errors held for the cases.
const keep = 2000

// Entry is one warning or error the client logged.
type Entry struct {
	At    time.Time
	Level string
	Text  string // the message and its fields, on one line
}

type logger struct {
	install sync.Once // into rlog, on first use

	mu      sync.Mutex
	out     io.Writer
	level   int
	entries []Entry
}

// l is the process's one logger, and the package's one variable: rlog
// holds a single process-global logger (rlog.SetLogger), which every
// client of the process calls with no handle back to a run, so what it
// logs can only be kept in a global beside it.
var l = &logger{out: io.Discard, level: levelWarn}

const (
	levelDebug = iota
	levelInfo
	levelWarn
	levelError
	levelFatal
)

// use installs the logger in rlog the first time anything asks for it.
func use() *logger {
	l.install.Do(func() { rlog.SetLogger(l) })
	return l
}

// SetOutput sends the client's log lines at or above level ("debug",
// "info", "warn", "error", "fatal") to w; nil discards them.
func SetOutput(w io.Writer, level string) {
	if w == nil {
		w = io.Discard
	}
	g := use()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.out = w
	g.level = parseLevel(level)
}

// Start begins keeping warnings and errors (it installs the logger); the
// cases call it before they start clients.
func Start() { use() }

// Since returns the warnings and errors logged at or after t whose text
// holds every one of words, each distinct text once with how often it was
// logged, the most frequent first (a refusal repeats on every pull), at
// most max of them.
func Since(t time.Time, max int, words ...string) []string {
	g := use()
	g.mu.Lock()
	defer g.mu.Unlock()
	count := map[string]int{}
	var order []string
	for _, e := range g.entries {
		if e.At.Before(t) || !hasAll(e.Text, words) {
			continue
		}
		key := e.Level + ": " + e.Text
		if count[key] == 0 {
			order = append(order, key)
		}
		count[key]++
	}
	sort.SliceStable(order, func(i, j int) bool { return count[order[i]] > count[order[j]] })
	var out []string
	for _, k := range order {
		if len(out) == max {
			out = append(out, fmt.Sprintf("(+%d more kinds)", len(order)-max))
			break
		}
		if n := count[k]; n > 1 {
			k = fmt.Sprintf("%s (x%d)", k, n)
		}
		out = append(out, k)
	}
	return out
}

func hasAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

func parseLevel(s string) int {
	switch strings.ToLower(s) {
	case "debug":
		return levelDebug
	case "info":
		return levelInfo
	case "error":
		return levelError
	case "fatal":
		return levelFatal
	}
	return levelWarn
}

func (g *logger) log(level int, name, msg string, fields map[string]interface{}) {
	text := line(msg, fields)
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if level >= levelWarn {
		g.entries = append(g.entries, Entry{At: now, Level: name, Text: text})
		if len(g.entries) > keep {
			g.entries = append([]Entry(nil), g.entries[len(g.entries)-keep/2:]...)
		}
	}
	if level >= g.level {
		fmt.Fprintf(g.out, "%s %-5s %s\n", now.Format("2006-01-02T15:04:05.000"), name, text)
	}
}

// line renders a message and its fields, sorted by key, on one line.
func line(msg string, fields map[string]interface{}) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(msg)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, fields[k])
	}
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(b.String())
}

func (g *logger) Debug(msg string, fields map[string]interface{}) {
	g.log(levelDebug, "DEBUG", msg, fields)
}
func (g *logger) Info(msg string, fields map[string]interface{}) {
	g.log(levelInfo, "INFO", msg, fields)
}
func (g *logger) Warning(msg string, fields map[string]interface{}) {
	g.log(levelWarn, "WARN", msg, fields)
}
func (g *logger) Error(msg string, fields map[string]interface{}) {
	g.log(levelError, "ERROR", msg, fields)
}

// Fatal is logged, and only logged: rlog's own logger would end the
// process, and a library must not end the suite.
func (g *logger) Fatal(msg string, fields map[string]interface{}) {
	g.log(levelFatal, "FATAL", msg, fields)
}

// Level sets the output level, as rlog.SetLogLevel does.
func (g *logger) Level(level string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.level = parseLevel(level)
}

// OutputPath is not supported: the suite chooses the output with
// SetOutput, so a library call cannot redirect it.
func (g *logger) OutputPath(string) error { return nil }
