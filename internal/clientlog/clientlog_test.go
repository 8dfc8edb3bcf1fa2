package clientlog

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2/rlog"
)

func TestKeepsWarningsForTheCases(t *testing.T) {
	var out bytes.Buffer
	SetOutput(&out, "error")
	defer SetOutput(nil, "warn")
	since := time.Now()
	rlog.Info("chatty", nil)
	for i := 0; i < 3; i++ {
		rlog.Warning("pull message from broker error", map[string]interface{}{"broker": "127.0.0.1:1", "underlayError": "subscription group [g] does not exist"})
	}
	rlog.Warning("route\nquery failed", map[string]interface{}{"topic": "t"})
	rlog.Error("fatal-ish", map[string]interface{}{"why": "x"})

	got := Since(since, 5)
	if len(got) != 3 || !strings.HasPrefix(got[0], "WARN: pull message from broker error broker=127.0.0.1:1 underlayError=subscription group [g] does not exist (x3)") {
		t.Errorf("Since = %q; want the three kinds, the most frequent first with its count", got)
	}
	if g := Since(since, 5, "topic=t"); len(g) != 1 || strings.Contains(g[0], "\n") {
		t.Errorf("Since(topic=t) = %q; want the one matching entry on one line", g)
	}
	if g := Since(since, 1); len(g) != 2 || g[1] != "(+2 more kinds)" {
		t.Errorf("Since(max 1) = %q", g)
	}
	if g := Since(time.Now().Add(time.Hour), 5); len(g) != 0 {
		t.Errorf("Since(the future) = %q", g)
	}
	if s := out.String(); strings.Contains(s, "chatty") || strings.Contains(s, "pull message") || !strings.Contains(s, "ERROR fatal-ish why=x") {
		t.Errorf("output at level error:\n%s", s)
	}
}
