package scenarios_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/local"
	"github.com/rmqkb/conformance/verdict"
)

// The exporter and the dashboard exist only as images, so the management
// cases run in the tests against HTTP servers that answer as they do
// (rocketmq-exporter's RMQMetricsCollector through the Java Prometheus
// client; rocketmq-dashboard 2.0's controllers; facts sections 4 and 5),
// built from what the bench's real brokers and namesrvs hold at each
// request. Each fault below changes one thing they answer.

// mgmtFaults are the faults the fake management plane can plant.
type mgmtFaults struct {
	dropShardOffset bool // the last shard has no rocketmq_producer_offset
	dropSlaveDiff   bool // the first slave has no rocketmq_broker_commitlog_diff
	notText         bool // /metrics answers an HTML page
	dropSlave       bool // the cluster list lacks the first shard's slave
	loginOpen       bool // ACL mode, yet no login is required
	anyPassword     bool // login.do accepts any password
	otherPassword   bool // the dashboard's users.properties holds another password
	noShards        bool // the target's labels drifted: no shard is listed
}

// consoleUser and consolePassword are the fake console-admin account, as
// the addon generates one (8 characters, 6 digits, mixed case).
const consoleUser, consolePassword = "console-admin", "Ab3k5729"

// managedTarget is the bench with a management plane.
type managedTarget struct {
	target.Target
	exporter, dashboard *httptest.Server
}

func (m managedTarget) Abilities() target.Abilities {
	a := m.Target.Abilities()
	delete(a.Cannot, verdict.Management)
	a.Management = m
	return a
}

func (m managedTarget) ExporterURL(context.Context) (string, error)  { return m.exporter.URL, nil }
func (m managedTarget) DashboardURL(context.Context) (string, error) { return m.dashboard.URL, nil }
func (m managedTarget) ConsoleAccount(context.Context) (string, string, error) {
	return consoleUser, consolePassword, nil
}

// managed returns the edge plant that gives the bench a management plane
// with faults f.
func managed(f mgmtFaults) edge {
	return func(c *local.Cluster) planted {
		var inner target.Target = c
		if f.noShards {
			inner = noShards(c).target
		}
		ak, sk := c.Credentials()
		rc := remoting.New(remoting.WithCredentials(ak, sk))
		p := &fakePlane{c: c, rc: rc, f: f, acl: c.Topology().Mode.ACL}
		m := managedTarget{Target: inner, exporter: httptest.NewServer(http.HandlerFunc(p.metrics)), dashboard: httptest.NewServer(p.dashboardMux())}
		return planted{target: m, plants: scenarios.FastExporter(), undo: func() {
			m.exporter.Close()
			m.dashboard.Close()
			rc.Close()
		}}
	}
}

// fakePlane answers as the exporter and the dashboard would.
type fakePlane struct {
	c   *local.Cluster
	rc  *remoting.Client
	f   mgmtFaults
	acl bool
}

// metrics writes the page the exporter's Java Prometheus client writes:
// HELP and TYPE lines, labels with a trailing comma, values as doubles.
func (p *fakePlane) metrics(w http.ResponseWriter, r *http.Request) {
	if p.f.notText {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body><h1>Whitelabel Error Page</h1>{status=500}</body></html>\n")
		return
	}
	shards, err := p.c.Shards(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	cluster := p.c.Topology().Cluster
	var offsets, diffs []string
	for i, s := range shards {
		if !p.f.dropShardOffset || i < len(shards)-1 {
			offsets = append(offsets, p.topicOffsets(r.Context(), cluster, s)...)
		}
		for j, b := range s.Slaves() {
			if p.f.dropSlaveDiff && i == 0 && j == 0 {
				continue
			}
			diffs = append(diffs, fmt.Sprintf("rocketmq_broker_commitlog_diff{cluster=%q,brokerIP=%q,broker=%q,} %s", cluster, b.Addr, s.Name, p.diff(r.Context(), s.Master(), b)))
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprintf(w, "# HELP rocketmq_producer_offset TopicOffset\n# TYPE rocketmq_producer_offset counter\n%s\n", strings.Join(offsets, "\n"))
	fmt.Fprintf(w, "# HELP rocketmq_broker_commitlog_diff brokerCommitLogDiff\n# TYPE rocketmq_broker_commitlog_diff gauge\n%s\n", strings.Join(diffs, "\n"))
}

// topicOffsets is rocketmq_producer_offset for the suite's topics on s:
// the sum of each topic's queues' max offsets on its master.
func (p *fakePlane) topicOffsets(ctx context.Context, cluster string, s target.Shard) []string {
	topics, err := p.rc.TopicConfigs(ctx, s.Master().Addr)
	if err != nil {
		return nil
	}
	var out []string
	for name, tc := range topics {
		if !strings.HasPrefix(name, "conformance-") {
			continue
		}
		var sum int64
		for q := 0; q < tc.WriteQueueNums; q++ {
			n, _ := p.rc.MaxOffset(ctx, s.Master().Addr, name, q)
			sum += n
		}
		out = append(out, fmt.Sprintf("rocketmq_producer_offset{cluster=%q,broker=%q,topic=%q,} %d.0", cluster, s.Name, name, sum))
	}
	sort.Strings(out)
	return out
}

// diff is the master's commit log max offset minus the slave's.
func (p *fakePlane) diff(ctx context.Context, master, slave target.Broker) string {
	m, _ := p.rc.BrokerRuntimeInfo(ctx, master.Addr)
	s, _ := p.rc.BrokerRuntimeInfo(ctx, slave.Addr)
	a, _ := strconv.ParseFloat(m["commitLogMaxOffset"], 64)
	b, _ := strconv.ParseFloat(s["commitLogMaxOffset"], 64)
	return strconv.FormatFloat(a-b, 'f', 1, 64)
}

const sessionCookie = "JSESSIONID"

func (p *fakePlane) dashboardMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login/check.query", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 0, map[string]bool{"loginRequired": p.loginRequired(), "logined": p.session(r)}, "")
	})
	mux.HandleFunc("/login/login.do", p.login)
	mux.HandleFunc("/cluster/list.query", p.clusterList)
	return mux
}

func (p *fakePlane) loginRequired() bool { return p.acl && !p.f.loginOpen }

func (p *fakePlane) session(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	return err == nil && c.Value == "planted-session"
}

// login answers as LoginController: without ACL there is no user store
// (a NullPointerException, status -1).
func (p *fakePlane) login(w http.ResponseWriter, r *http.Request) {
	if !p.acl {
		reply(w, -1, nil, "java.lang.NullPointerException")
		return
	}
	want := consolePassword
	if p.f.otherPassword {
		want = "Zz9k1234"
	}
	if r.FormValue("username") != consoleUser || (r.FormValue("password") != want && !p.f.anyPassword) {
		reply(w, -1, nil, "Bad username or password!")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "planted-session", Path: "/"})
	reply(w, 0, map[string]any{"loginUserName": consoleUser, "loginUserRole": 1, "contextPath": ""}, "")
}

// clusterList answers /cluster/list.query from the first namesrv's
// cluster table, as ClusterServiceImpl does; without a session where a
// login is required, it redirects to the login page.
func (p *fakePlane) clusterList(w http.ResponseWriter, r *http.Request) {
	if p.loginRequired() && !p.session(r) {
		http.Redirect(w, r, "/#/login?redirect=%2Fcluster%2Flist.query", http.StatusFound)
		return
	}
	ns, _ := p.c.Namesrvs(r.Context())
	ci, err := p.rc.ClusterInfo(r.Context(), ns[0])
	if err != nil {
		reply(w, -1, nil, err.Error())
		return
	}
	shards, _ := p.c.Shards(r.Context())
	table := map[string]any{}
	for name, bd := range ci.BrokerAddrTable {
		addrs := map[string]string{}
		for id, a := range bd.BrokerAddrs {
			if p.f.dropSlave && len(shards) > 0 && name == shards[0].Name && id != 0 {
				continue
			}
			addrs[strconv.FormatInt(id, 10)] = a
		}
		table[name] = map[string]any{"cluster": bd.Cluster, "brokerName": bd.BrokerName, "brokerAddrs": addrs}
	}
	reply(w, 0, map[string]any{"clusterInfo": map[string]any{"brokerAddrTable": table, "clusterAddrTable": ci.ClusterAddrTable}, "brokerServer": map[string]any{}}, "")
}

// reply writes the dashboard's envelope; errors are HTTP 200 too.
func reply(w http.ResponseWriter, status int, data any, errMsg string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	body := map[string]any{"status": status, "data": data, "errMsg": nil}
	if errMsg != "" {
		body["errMsg"] = errMsg
	}
	json.NewEncoder(w).Encode(body)
}
