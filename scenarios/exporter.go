package scenarios

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The exporter collects once a minute and caches each series for 60 s
// (facts section 4): a value can take up to two periods to show, and a
// series can blink out at a refresh.
const exporterCollect = 150 * time.Second

// The clauses of management/exporter.
var (
	clauseMetricsText   = verdict.Clause{ID: "metrics-text", Text: "the exporter answers /metrics in Prometheus text format"}
	clauseProducerCount = verdict.Clause{ID: "producer-offset", Text: "rocketmq_producer_offset reaches the messages sent, for every shard"}
	clauseCommitLogDiff = verdict.Clause{ID: "commitlog-diff", Text: "rocketmq_broker_commitlog_diff is reported for every slave"}
)

const exporterMessages = 10

// exporterCase is management/exporter.
var exporterCase = Case{Case: verdict.Case{
	Suite: "management", Name: "exporter",
	Promise: "The exporter answers /metrics on its metrics port (5557) in Prometheus text format; after the case sends N messages to a fresh topic on every shard, rocketmq_producer_offset{topic,broker=<shard>} reaches N for every shard within the exporter's collection period, " +
		"and rocketmq_broker_commitlog_diff is reported for every slave.",
	Description: "The exporter (apecloud/rocketmq-exporter 0.0.3) collects once a minute and caches each series for 60 s, so the case polls for up to 150 s and tolerates a series that blinks out at a refresh. " +
		"The page is parsed with the Prometheus text parser (github.com/prometheus/common/expfmt). The exporter is published only as an image: on the local target the case is skipped unless --exporter-jar names a jar.",
	Clauses: []verdict.Clause{clauseBrokers, clauseMetricsText, clauseProducerCount, clauseCommitLogDiff},
	Needs:   []verdict.Capability{verdict.Messaging, verdict.Management},
	Timeout: 4 * time.Minute,
}, Run: exporterMetrics}

func exporterMetrics(ctx context.Context, t *T) {
	base, err := t.Target.Abilities().Management.ExporterURL(ctx)
	endOn(t, "find the exporter", err)
	skipIfStandIn(ctx, t, base, "exporter", "--exporter-jar")
	shards := awaitShards(ctx, t)
	topic := uniqueName("conformance-exporter")
	createTopic(ctx, t, topic, 1)
	p := clientProducer(ctx, t)
	h := newHistory(t)
	for _, s := range shards {
		for i := 0; i < exporterMessages; i++ {
			key := fmt.Sprintf("%s-%s-%d", topic, s.Name, i)
			if _, err := load.Send(ctx, p, h, key, load.QueueMessage(topic, s.Name, 0, key, []byte(key))); err != nil {
				t.Erroredf("not judged: send %s to %s: %v", key, s.Name, err)
			}
		}
	}
	start := time.Now()
	collect := exporterCollect
	if t.plants.exporterCollect > 0 {
		collect = t.plants.exporterCollect
	}
	var missing seriesGaps
	wctx, cancel := context.WithTimeout(ctx, collect)
	defer cancel()
	err = wait.Until(wctx, 2*time.Second, "the exporter to report every shard", func(ctx context.Context) (bool, string, error) {
		fams, err := scrape(ctx, base+"/metrics")
		switch {
		case errors.Is(err, errNotText):
			return false, "", err
		case err != nil:
			return false, wait.Reason(err), nil // unreachable for now: asked again
		}
		missing = missingSeries(fams, topic, shards)
		return missing.none(), missing.String(), nil
	})
	switch {
	case errors.Is(err, errNotText):
		t.Fatalf(clauseMetricsText, "%v", err)
	case err != nil && missing.none() && ctx.Err() != nil:
		t.Erroredf("not judged: interrupted while asking the exporter: %v", err)
	case err != nil && missing.none():
		// Its pod is there (cluster/ready saw it Ready), yet it never
		// served its page: the addon's fault, told as such.
		t.Fatalf(clauseMetricsText, "the exporter never answered within %s: %v", collect, err)
	case err != nil:
		for _, g := range missing.offsets {
			t.Errorf(clauseProducerCount, "%s", g)
		}
		for _, g := range missing.diffs {
			t.Errorf(clauseCommitLogDiff, "%s", g)
		}
		t.Logf("the exporter did not report every shard and slave within %s: %v", collect, err)
		return
	}
	t.Figure("metrics_visible_after", float64(time.Since(start).Milliseconds()), "ms")
	t.Logf("the exporter reported %d messages of %s on each of %d shards, and a commit log diff for every slave, %s after the sends", exporterMessages, topic, len(shards), time.Since(start).Round(time.Second))
}

// scrape reads a metrics page and parses it as Prometheus text.
func scrape(ctx context.Context, url string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %w", url, resp.Status, errNotText)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w: %v", url, errNotText, err)
	}
	return fams, nil
}

// errNotText marks a metrics page that answered, but not with Prometheus
// text: a broken promise, not a page to ask again.
var errNotText = errors.New("not a Prometheus text page")

// seriesGaps is what a metrics page lacks, by clause.
type seriesGaps struct {
	offsets []string // shards whose producer offset is short
	diffs   []string // slaves with no commit log diff
}

func (g seriesGaps) none() bool { return len(g.offsets)+len(g.diffs) == 0 }

func (g seriesGaps) String() string {
	return strings.Join(append(append([]string(nil), g.offsets...), g.diffs...), "; ")
}

// missingSeries says what the page lacks: a shard whose producer offset
// for topic is below exporterMessages, a slave with no commit log diff.
func missingSeries(fams map[string]*dto.MetricFamily, topic string, shards []target.Shard) seriesGaps {
	offsets := map[string]float64{}
	for _, m := range fams["rocketmq_producer_offset"].GetMetric() {
		if label(m, "topic") == topic {
			offsets[label(m, "broker")] = value(m)
		}
	}
	diffs := map[string]bool{}
	for _, m := range fams["rocketmq_broker_commitlog_diff"].GetMetric() {
		diffs[label(m, "broker")+"|"+label(m, "brokerIP")] = true
	}
	var g seriesGaps
	for _, s := range shards {
		if got := offsets[s.Name]; got < exporterMessages {
			g.offsets = append(g.offsets, fmt.Sprintf("rocketmq_producer_offset{topic=%q,broker=%q} is %v, expected %d (%s)", topic, s.Name, got, exporterMessages, s.Name))
		}
		for _, b := range s.Slaves() {
			host, _, _ := net.SplitHostPort(b.Addr)
			if !diffs[s.Name+"|"+b.Addr] && !diffs[s.Name+"|"+host] {
				g.diffs = append(g.diffs, fmt.Sprintf("no rocketmq_broker_commitlog_diff{broker=%q,brokerIP=%q} for slave %s", s.Name, host, b.Pod))
			}
		}
	}
	sort.Strings(g.offsets)
	sort.Strings(g.diffs)
	return g
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// value reads a sample whatever its type: the exporter declares some
// families counters, others gauges or untyped.
func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	}
	return m.GetUntyped().GetValue()
}

// httpClient talks to the exporter and dashboard: bounded, and never
// following a redirect (a login redirect is an answer to judge).
var httpClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}
