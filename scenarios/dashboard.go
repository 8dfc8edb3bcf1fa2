package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of management/dashboard.
var (
	clauseDashboardCluster = verdict.Clause{ID: "cluster-list", Text: "the dashboard lists every shard under the Cluster's name, its master at id 0 and every slave"}
	clauseLoginRequired    = verdict.Clause{ID: "login-required", Text: "ACL mode: login is required, and cluster queries without a session are refused"}
	clauseConsoleLogin     = verdict.Clause{ID: "console-login", Text: "ACL mode: console-admin logs in as admin"}
	clauseWrongPassword    = verdict.Clause{ID: "wrong-password", Text: "ACL mode: a wrong password is refused"}
)

// dashboardCase is management/dashboard; management.go registers it.
var dashboardCase = Case{Case: verdict.Case{
	Suite: "management", Name: "dashboard",
	Promise: "The dashboard (console port 8080) lists, at /cluster/list.query, every shard under the Cluster's name with its master at id 0 and every slave at its id. " +
		"In ACL mode it requires a login: /login/check.query says so, cluster queries without a session are refused, the console-admin account from its Secret logs in as admin, and a wrong password is refused.",
	Description: "Shaped after rocketmq-dashboard 2.0 (facts section 5): answers are {status, data, errMsg}, errors are HTTP 200 with status -1, and without a session a protected page answers 302 to the login. " +
		"With ACL off the addon starts the dashboard without a user store, so the login clauses belong to ACL mode only. The password is sent, never written anywhere. " +
		"The dashboard is published only as an image: on the local target the case is skipped unless --dashboard-jar names a jar.",
	Clauses: []verdict.Clause{clauseBrokers, clauseDashboardCluster, clauseLoginRequired, clauseConsoleLogin, clauseWrongPassword},
	Needs:   []verdict.Capability{verdict.Management},
}, Run: dashboard}

// dashboardReply is the envelope of every dashboard answer.
type dashboardReply struct {
	Status int             `json:"status"`
	Data   json.RawMessage `json:"data"`
	ErrMsg string          `json:"errMsg"`
}

// dashboardClusters is the part of /cluster/list.query the case reads.
type dashboardClusters struct {
	ClusterInfo struct {
		BrokerAddrTable map[string]struct {
			Cluster     string            `json:"cluster"`
			BrokerAddrs map[string]string `json:"brokerAddrs"`
		} `json:"brokerAddrTable"`
	} `json:"clusterInfo"`
}

func dashboard(ctx context.Context, t *T) {
	mp := t.Target.Abilities().Management
	base, err := mp.DashboardURL(ctx)
	endOn(t, "find the dashboard", err)
	skipIfStandIn(ctx, t, base, "dashboard", "--dashboard-jar")
	shards := awaitShards(ctx, t)
	d := newConsole(base)
	if t.Target.Topology().Mode.ACL {
		dashboardLogin(ctx, t, d, mp)
	} else {
		t.Logf("ACL is off: the dashboard runs without a login, so the login clauses are not checked")
	}
	var clusters dashboardClusters
	if err := d.get(ctx, "/cluster/list.query", &clusters); err != nil {
		t.Fatalf(clauseDashboardCluster, "%v", err)
	}
	dashboardLists(t, clusters, shards)
}

// dashboardLogin checks the ACL-mode login clauses and leaves d logged in
// as console-admin.
func dashboardLogin(ctx context.Context, t *T, d *console, mp target.ManagementPlane) {
	var check struct {
		LoginRequired bool `json:"loginRequired"`
	}
	if err := d.get(ctx, "/login/check.query", &check); err != nil {
		t.Fatalf(clauseLoginRequired, "/login/check.query: %v", err)
	}
	if !check.LoginRequired {
		t.Errorf(clauseLoginRequired, "/login/check.query says no login is required")
	}
	if err := d.get(ctx, "/cluster/list.query", &dashboardClusters{}); err == nil {
		t.Errorf(clauseLoginRequired, "/cluster/list.query answered without a session")
	}
	user, password, err := mp.ConsoleAccount(ctx)
	if err != nil {
		t.Erroredf("not judged: read the console-admin account: %v", err)
	}
	if err := d.login(ctx, user, password+"-wrong"); err == nil {
		t.Errorf(clauseWrongPassword, "%s logged in with a wrong password", user)
	}
	if err := d.login(ctx, user, password); err != nil {
		t.Fatalf(clauseConsoleLogin, "%v", err)
	}
	t.Logf("the dashboard requires a login, refuses a wrong password and takes %s's as admin", user)
}

// dashboardLists compares the dashboard's cluster list with the shards.
func dashboardLists(t *T, c dashboardClusters, shards []target.Shard) {
	cluster := t.Target.Topology().Cluster
	for _, s := range shards {
		got, ok := c.ClusterInfo.BrokerAddrTable[s.Name]
		if !ok {
			t.Errorf(clauseDashboardCluster, "shard %s is not listed", s.Name)
			continue
		}
		if got.Cluster != cluster {
			t.Errorf(clauseDashboardCluster, "shard %s is listed under cluster %q", s.Name, got.Cluster)
		}
		for _, b := range s.Brokers {
			id := strconv.Itoa(brokerID(t, s, b))
			if got.BrokerAddrs[id] != b.Addr {
				t.Errorf(clauseDashboardCluster, "shard %s lists %q at id %s, expected %s (%s)", s.Name, got.BrokerAddrs[id], id, b.Addr, b.Pod)
			}
		}
	}
	t.Logf("the dashboard lists %d shards of cluster %s", len(c.ClusterInfo.BrokerAddrTable), cluster)
}

// console is a dashboard session: a cookie jar and the base URL.
type console struct {
	base string
	http *http.Client
}

func newConsole(base string) *console {
	jar, _ := cookiejar.New(nil)
	c := *httpClient
	c.Jar = jar
	return &console{base: strings.TrimSuffix(base, "/"), http: &c}
}

// get reads path into data; a redirect (to the login) or status -1 is an
// error.
func (c *console) get(ctx context.Context, path string, data any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	return c.do(req, data)
}

// login posts the form login.do takes. The password goes into the request
// body only; errors never quote the request.
func (c *console) login(ctx context.Context, user, password string) error {
	form := url.Values{"username": {user}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/login/login.do", strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("build the login request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var who struct {
		LoginUserName string `json:"loginUserName"`
		LoginUserRole int    `json:"loginUserRole"`
	}
	if err := c.do(req, &who); err != nil {
		return fmt.Errorf("login as %s: %w", user, err)
	}
	if who.LoginUserName != user || who.LoginUserRole != 1 {
		return fmt.Errorf("login as %s: logged in as %q with role %d, expected role 1 (admin)", user, who.LoginUserName, who.LoginUserRole)
	}
	return nil
}

func (c *console) do(req *http.Request, data any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read the answer: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s (Location %q)", req.Method, req.URL.Path, resp.Status, resp.Header.Get("Location"))
	}
	var r dashboardReply
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("%s %s: not a dashboard answer: %w", req.Method, req.URL.Path, err)
	}
	if r.Status != 0 {
		return fmt.Errorf("%s %s: status %d: %s", req.Method, req.URL.Path, r.Status, r.ErrMsg)
	}
	if err := json.Unmarshal(r.Data, data); err != nil {
		return fmt.Errorf("%s %s: data: %w", req.Method, req.URL.Path, err)
	}
	return nil
}
