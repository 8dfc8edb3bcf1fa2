package scenarios

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/verdict"
)

// TestAStandInIsSkippedNeverJudged: a component answering with the
// stand-in header ends the case as skipped, naming the flag that gives the
// real jar; without the header the case goes on (here: passes).
func TestAStandInIsSkippedNeverJudged(t *testing.T) {
	for _, standIn := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if standIn {
				w.Header().Set(StandInHeader, "exporter")
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}))
		r := runOne(t, stubTarget{}, Case{Case: verdict.Case{}, Run: func(ctx context.Context, t *T) {
			skipIfStandIn(ctx, t, srv.URL, "exporter", "--exporter-jar")
		}})
		srv.Close()
		if standIn && (r.Status != verdict.Skipped || !strings.Contains(r.Observed, "--exporter-jar") || !strings.Contains(r.Observed, "stand-in")) {
			t.Errorf("stand-in: %s %q, want skipped naming the stand-in and --exporter-jar", r.Status, r.Observed)
		}
		if !standIn && r.Status != verdict.Passed {
			t.Errorf("real component: %s %q, want the case to go on", r.Status, r.Observed)
		}
	}
}
