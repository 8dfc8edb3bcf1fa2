package local_test

// Oracle tests: RocketMQ's own mqadmin, run from the same jars as the
// topology, reads the same running cluster as the remoting client, and the
// two must agree. mqadmin is the reference implementation of every admin
// request the suite sends, so a disagreement is a bug in the remoting
// client (or in how it decodes fastjson), not a matter of taste.
//
// One 2 shards x 2 replicas topology serves every sub-test. mqadmin costs a
// JVM start (~4 s) per call, so it runs nine times in all, never in a loop
// that waits for state: waiting is done with the remoting client, and
// mqadmin reads once the state is settled.
//
// The oracle's output is parsed here, independently of the package under
// test: in particular topicRoute's fastjson (bare integer map keys) is
// fixed up with a regular expression of this file, not with remoting's
// tolerant decoder, which would make the comparison circular.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/local"
	"github.com/rmqkb/conformance/testenv"
)

// oracle is what the sub-tests share: the running topology, its layout and
// a remoting client.
type oracle struct {
	c        *local.Cluster
	rc       *remoting.Client
	cluster  string // brokerClusterName
	namesrvs []string
	shards   []target.Shard
}

func (o *oracle) brokers() []target.Broker {
	var out []target.Broker
	for _, s := range o.shards {
		out = append(out, s.Brokers...)
	}
	return out
}

// mqadmin runs one mqadmin command, failing the test on error.
func (o *oracle) mqadmin(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	start := time.Now()
	out, err := o.c.MQAdmin(ctx, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("mqadmin %s: %s", strings.Join(args, " "), time.Since(start).Round(100*time.Millisecond))
	return out
}

func TestOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local RocketMQ topology; not in -short mode")
	}
	rlog.SetLogLevel("error")
	c := testenv.Start(t, 2, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	o := &oracle{c: c, rc: remoting.New()}
	defer o.rc.Close()
	var err error
	if o.namesrvs, err = c.Namesrvs(ctx); err != nil {
		t.Fatal(err)
	}
	if o.shards, err = c.Shards(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := o.rc.BrokerConfig(ctx, o.shards[0].Master().Addr)
	if err != nil {
		t.Fatal(err)
	}
	o.cluster = cfg["brokerClusterName"]

	// Messages first: the offset and runtime comparisons need a commit log
	// with content, and every later step leaves the commit logs alone
	// (topic creation writes config files, not messages).
	sent := o.writeMessages(ctx, t)

	t.Run("clusterList", func(t *testing.T) { o.testClusterList(ctx, t) })
	t.Run("topicRoute", func(t *testing.T) { o.testTopicRoute(ctx, t) })
	t.Run("updateTopic", func(t *testing.T) { o.testUpdateTopic(ctx, t) })
	t.Run("getBrokerConfig", func(t *testing.T) { o.testGetBrokerConfig(ctx, t) })
	t.Run("topicStatus", func(t *testing.T) { o.testTopicStatus(ctx, t, sent) })
	t.Run("brokerStatus", func(t *testing.T) { o.testBrokerStatus(ctx, t, sent) })
	t.Run("tmpdir", func(t *testing.T) { o.testTmpDir(t) })
}

// testTmpDir checks that the certificate every remoting server writes to
// java.io.tmpdir lands in its process's folder, which Close removes, not in
// the machine's /tmp, where a killed JVM would leave it.
func (o *oracle) testTmpDir(t *testing.T) {
	pods := []string{}
	for _, s := range o.shards {
		for _, b := range s.Brokers {
			pods = append(pods, b.Pod)
		}
	}
	if len(pods) == 0 {
		t.Fatal("no broker to look at")
	}
	for _, pod := range pods {
		certs, err := filepath.Glob(filepath.Join(o.c.Dir(), pod, "tmp", "*.crt"))
		if err != nil || len(certs) == 0 {
			t.Errorf("%s wrote no certificate in %s (err %v): java.io.tmpdir is not its own folder", pod, filepath.Join(o.c.Dir(), pod, "tmp"), err)
		}
	}
}

// written is what writeMessages left: messages per queue of its topic, by
// shard name and queue id.
type written struct {
	topic  string
	counts map[string]map[int]int64
}

func (w written) perShard(shard string) (n int64) {
	for _, c := range w.counts[shard] {
		n += c
	}
	return n
}

// writeMessages creates a topic of two queues on every master and sends a
// different number of messages to each queue with rocketmq-client-go, so a
// reading that mixes up queues or shards cannot match by chance.
func (o *oracle) writeMessages(ctx context.Context, t *testing.T) written {
	t.Helper()
	w := written{topic: fmt.Sprintf("oracle_offsets_%d", time.Now().UnixNano()), counts: map[string]map[int]int64{}}
	for _, s := range o.shards {
		if err := o.rc.CreateTopic(ctx, s.Master().Addr, remoting.TopicConfig{TopicName: w.topic, ReadQueueNums: 2, WriteQueueNums: 2}); err != nil {
			t.Fatal(err)
		}
	}
	o.awaitRoute(ctx, t, w.topic, 2, 2)
	p, err := rocketmq.NewProducer(
		producer.WithNsResolver(primitive.NewPassthroughResolver(o.namesrvs)),
		producer.WithGroupName("oracle_producer"),
		producer.WithInstanceName(fmt.Sprintf("oracle_%d", time.Now().UnixNano())),
		producer.WithRetry(0), // a retried send could store a message twice
		producer.WithQueueSelector(producer.NewManualQueueSelector()),
		producer.WithSendMsgTimeout(5*time.Second),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	// Shut down before any comparison: a live producer is harmless to the
	// stores, but it keeps sending heartbeats and route queries.
	defer p.Shutdown()
	for si, s := range o.shards {
		w.counts[s.Name] = map[int]int64{}
		for q := 0; q < 2; q++ {
			n := 1 + q + 2*si // 1, 2, 3, 4: distinct per queue
			for i := 0; i < n; i++ {
				msg := primitive.NewMessage(w.topic, []byte(fmt.Sprintf("oracle %s/%d #%d", s.Name, q, i)))
				msg.Queue = &primitive.MessageQueue{Topic: w.topic, BrokerName: s.Name, QueueId: q}
				res, err := p.SendSync(ctx, msg)
				if err != nil {
					t.Fatalf("send to %s queue %d: %v", s.Name, q, err)
				}
				if res.Status != primitive.SendOK || res.MessageQueue.BrokerName != s.Name || res.MessageQueue.QueueId != q || res.QueueOffset != int64(i) {
					t.Fatalf("send to %s queue %d #%d: %v", s.Name, q, i, res)
				}
			}
			w.counts[s.Name][q] = int64(n)
		}
	}
	return w
}

// awaitRoute waits until every namesrv routes topic to every shard with
// r/w queues.
func (o *oracle) awaitRoute(ctx context.Context, t *testing.T, topic string, r, w int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := wait.Until(ctx, 200*time.Millisecond, "the route of "+topic, func(ctx context.Context) (bool, string, error) {
		err := o.routeIs(ctx, topic, r, w)
		return err == nil, wait.Reason(err), nil
	})
	if err != nil {
		t.Fatalf("route of %s: %v", topic, err)
	}
}

func (o *oracle) routeIs(ctx context.Context, topic string, r, w int) error {
	for _, ns := range o.namesrvs {
		rt, err := o.rc.TopicRoute(ctx, ns, topic)
		if err != nil {
			return err
		}
		for _, s := range o.shards {
			i := slices.IndexFunc(rt.QueueDatas, func(q remoting.QueueData) bool { return q.BrokerName == s.Name })
			if i < 0 {
				return fmt.Errorf("namesrv %s: no queues on %s: %+v", ns, s.Name, rt.QueueDatas)
			}
			if q := rt.QueueDatas[i]; q.ReadQueueNums != r || q.WriteQueueNums != w || q.Perm != 6 {
				return fmt.Errorf("namesrv %s: %s has %d/%d perm %d, want %d/%d perm 6", ns, s.Name, q.ReadQueueNums, q.WriteQueueNums, q.Perm, r, w)
			}
		}
	}
	return nil
}

// brokerRow is one broker as a cluster table lists it.
type brokerRow struct {
	cluster, name string
	id            int64
	addr          string
}

func (b brokerRow) String() string {
	return fmt.Sprintf("%s/%s/%d@%s", b.cluster, b.name, b.id, b.addr)
}

// parseClusterList reads mqadmin clusterList's table: a header line
// starting "#Cluster Name", then one line per broker whose first four
// blank-separated fields are cluster, broker name, broker id and address
// (names cannot hold blanks; the columns after the address may be empty).
func parseClusterList(t *testing.T, out string) []brokerRow {
	t.Helper()
	var rows []brokerRow
	header := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "#Cluster Name") {
			header = true
			continue
		}
		f := strings.Fields(line)
		if !header || len(f) < 4 {
			continue
		}
		id, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			t.Fatalf("clusterList row %q: broker id: %v", line, err)
		}
		rows = append(rows, brokerRow{cluster: f[0], name: f[1], id: id, addr: f[3]})
	}
	if !header {
		t.Fatalf("clusterList printed no table:\n%s", out)
	}
	return rows
}

// rowsOf flattens a remoting ClusterInfo the way clusterList walks it:
// clusters, their broker names, each name's id -> address table.
func rowsOf(t *testing.T, ci *remoting.ClusterInfo) []brokerRow {
	var rows []brokerRow
	for cluster, names := range ci.ClusterAddrTable {
		for _, name := range names {
			bd, ok := ci.BrokerAddrTable[name]
			if !ok {
				t.Errorf("cluster %s lists broker %s, which the broker table lacks", cluster, name)
				continue
			}
			if bd.Cluster != cluster {
				t.Errorf("broker %s is in cluster %s by the cluster table and %s by its own entry", name, cluster, bd.Cluster)
			}
			for id, addr := range bd.BrokerAddrs {
				rows = append(rows, brokerRow{cluster: cluster, name: name, id: id, addr: addr})
			}
		}
	}
	return rows
}

// sameSet reports the elements only one side has, both ways.
func sameSet[T fmt.Stringer](t *testing.T, what, leftName string, left []T, rightName string, right []T) {
	t.Helper()
	l, r := map[string]bool{}, map[string]bool{}
	for _, x := range left {
		l[x.String()] = true
	}
	for _, x := range right {
		r[x.String()] = true
	}
	for k := range l {
		if !r[k] {
			t.Errorf("%s: %s has %s, %s does not", what, leftName, k, rightName)
		}
	}
	for k := range r {
		if !l[k] {
			t.Errorf("%s: %s has %s, %s does not", what, rightName, k, leftName)
		}
	}
	if len(left) != len(l) || len(right) != len(r) {
		t.Errorf("%s: duplicate rows: %s %v, %s %v", what, leftName, left, rightName, right)
	}
}

// clusterList vs GET_BROKER_CLUSTER_INFO from every namesrv, and both vs
// the topology that was started.
func (o *oracle) testClusterList(ctx context.Context, t *testing.T) {
	mq := parseClusterList(t, o.mqadmin(ctx, t, "clusterList"))
	var want []brokerRow
	for _, b := range o.brokers() {
		want = append(want, brokerRow{cluster: o.cluster, name: b.Shard, id: int64(b.Ordinal), addr: b.Addr})
	}
	sameSet(t, "clusterList vs the started topology", "mqadmin", mq, "topology", want)
	for _, ns := range o.namesrvs {
		ci, err := o.rc.ClusterInfo(ctx, ns)
		if err != nil {
			t.Fatal(err)
		}
		sameSet(t, "clusterList vs ClusterInfo from "+ns, "mqadmin", mq, "remoting", rowsOf(t, ci))
	}
}

// route is mqadmin topicRoute's JSON, decoded into this file's own types.
type route struct {
	BrokerDatas []struct {
		Cluster     string            `json:"cluster"`
		BrokerName  string            `json:"brokerName"`
		BrokerAddrs map[string]string `json:"brokerAddrs"`
	} `json:"brokerDatas"`
	QueueDatas []struct {
		BrokerName     string `json:"brokerName"`
		ReadQueueNums  int    `json:"readQueueNums"`
		WriteQueueNums int    `json:"writeQueueNums"`
		Perm           int    `json:"perm"`
		TopicSysFlag   int    `json:"topicSysFlag"`
	} `json:"queueDatas"`
}

// bareKeyRE finds a bare integer object key, which fastjson writes for
// Map<Long, String> (brokerAddrs): "{0:" or ",1:", blanks allowed. In
// topicRoute's output no string value holds '{' or ',' right before
// digits and a colon (addresses look like "127.0.0.1:10911").
var bareKeyRE = regexp.MustCompile(`([{,]\s*)(-?\d+)(\s*:)`)

// parseRoute extracts the JSON object mqadmin printed and decodes it after
// quoting its bare keys.
func parseRoute(t *testing.T, out string) route {
	t.Helper()
	start, end := strings.Index(out, "{"), strings.LastIndex(out, "}")
	if start < 0 || end < start {
		t.Fatalf("topicRoute printed no JSON object:\n%s", out)
	}
	text := bareKeyRE.ReplaceAllString(out[start:end+1], `$1"$2"$3`)
	var r route
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		t.Fatalf("topicRoute output: %v\n%s", err, out)
	}
	return r
}

type routeEntry string

func (e routeEntry) String() string { return string(e) }

// entriesOfOracle and entriesOfRemoting render both routes as comparable
// lines: one per queue data and one per broker address.
func entriesOfOracle(r route) []routeEntry {
	var out []routeEntry
	for _, q := range r.QueueDatas {
		out = append(out, routeEntry(fmt.Sprintf("queues %s r%d w%d perm%d sys%d", q.BrokerName, q.ReadQueueNums, q.WriteQueueNums, q.Perm, q.TopicSysFlag)))
	}
	for _, b := range r.BrokerDatas {
		for id, addr := range b.BrokerAddrs {
			out = append(out, routeEntry(fmt.Sprintf("broker %s/%s id %s at %s", b.Cluster, b.BrokerName, id, addr)))
		}
	}
	return out
}

func entriesOfRemoting(r *remoting.TopicRoute) []routeEntry {
	var out []routeEntry
	for _, q := range r.QueueDatas {
		out = append(out, routeEntry(fmt.Sprintf("queues %s r%d w%d perm%d sys%d", q.BrokerName, q.ReadQueueNums, q.WriteQueueNums, q.Perm, q.TopicSysFlag)))
	}
	for _, b := range r.BrokerDatas {
		for id, addr := range b.BrokerAddrs {
			out = append(out, routeEntry(fmt.Sprintf("broker %s/%s id %d at %s", b.Cluster, b.BrokerName, id, addr)))
		}
	}
	return out
}

// topicRoute of a topic created with the remoting client on every master,
// vs GET_ROUTEINFO_BY_TOPIC. Read and write counts differ so a swap shows.
func (o *oracle) testTopicRoute(ctx context.Context, t *testing.T) {
	topic := fmt.Sprintf("oracle_route_%d", time.Now().UnixNano())
	for _, s := range o.shards {
		if err := o.rc.CreateTopic(ctx, s.Master().Addr, remoting.TopicConfig{TopicName: topic, ReadQueueNums: 4, WriteQueueNums: 3}); err != nil {
			t.Fatal(err)
		}
	}
	o.awaitRoute(ctx, t, topic, 4, 3)
	mq := entriesOfOracle(parseRoute(t, o.mqadmin(ctx, t, "topicRoute", "-t", topic)))
	// Two shards, each: one queue line and two broker lines.
	if len(mq) != 6 {
		t.Errorf("mqadmin route has %d entries, want 6: %v", len(mq), mq)
	}
	for _, ns := range o.namesrvs {
		rt, err := o.rc.TopicRoute(ctx, ns, topic)
		if err != nil {
			t.Fatal(err)
		}
		sameSet(t, "topicRoute vs TopicRoute from "+ns, "mqadmin", mq, "remoting", entriesOfRemoting(rt))
	}
}

// updateTopic -c through mqadmin, then the remoting client must see the
// topic on every shard with 3/3, in the namesrv route and on each master.
func (o *oracle) testUpdateTopic(ctx context.Context, t *testing.T) {
	topic := fmt.Sprintf("oracle_update_%d", time.Now().UnixNano())
	out := o.mqadmin(ctx, t, "updateTopic", "-c", o.cluster, "-t", topic, "-r", "3", "-w", "3")
	for _, s := range o.shards {
		if want := "create topic to " + s.Master().Addr + " success."; !strings.Contains(out, want) {
			t.Errorf("updateTopic output lacks %q:\n%s", want, out)
		}
	}
	o.awaitRoute(ctx, t, topic, 3, 3)
	for _, s := range o.shards {
		tcs, err := o.rc.TopicConfigs(ctx, s.Master().Addr)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tcs[topic], (remoting.TopicConfig{TopicName: topic, ReadQueueNums: 3, WriteQueueNums: 3, Perm: 6}); got != want {
			t.Errorf("%s topic config %+v, want %+v", s.Master().Pod, got, want)
		}
	}
}

// parseKV reads one "key<blanks><sep><pad>value" line, as mqadmin prints a
// broker's config ('=' then two blanks) and runtime table (':' then one
// blank). Keys hold no blanks and no separator; the value is the rest of
// the line, verbatim. A line that starts with a blank (stack frames, the
// tail of a wrapped value) or lacks the separator is not an entry.
func parseKV(line string, sep byte, pad string) (key, value string, ok bool) {
	if line == "" || line[0] == ' ' || line[0] == '\t' {
		return "", "", false
	}
	i := strings.IndexByte(line, sep)
	if i <= 0 {
		return "", "", false
	}
	key, rest := strings.TrimRight(line[:i], " "), line[i+1:]
	if strings.ContainsAny(key, " \t") || !strings.HasPrefix(rest, pad) {
		return "", "", false
	}
	return key, rest[len(pad):], true
}

var (
	masterHeaderRE = regexp.MustCompile(`^=+Master: (\S+?)=+$`)
	slaveHeaderRE  = regexp.MustCompile(`^=+My Master: (\S+?)=+Slave: (\S+?)=+$`)
)

// parseBrokerConfigs reads getBrokerConfig -c: per broker a header naming
// it (and, for a slave, its master), then its config lines.
func parseBrokerConfigs(t *testing.T, out string) (configs map[string]map[string]string, masterOf map[string]string) {
	t.Helper()
	configs, masterOf = map[string]map[string]string{}, map[string]string{}
	var cur map[string]string
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r", ""), "\n") {
		if m := slaveHeaderRE.FindStringSubmatch(line); m != nil {
			cur = map[string]string{}
			configs[m[2]], masterOf[m[2]] = cur, m[1]
			continue
		}
		if m := masterHeaderRE.FindStringSubmatch(line); m != nil {
			cur = map[string]string{}
			configs[m[1]], masterOf[m[1]] = cur, ""
			continue
		}
		if k, v, ok := parseKV(line, '=', "  "); ok && cur != nil {
			cur[k] = v
		}
	}
	return configs, masterOf
}

// getBrokerConfig vs GET_BROKER_CONFIG. It runs once with -c for the whole
// cluster rather than -b per broker: the same request and the same lines
// per broker, for one JVM start instead of four, and the headers add
// mqadmin's own master/slave grouping to compare. Every key is compared
// both ways; brokerName, brokerRole, brokerId and flushDiskType are also
// checked against the addon's layout.
func (o *oracle) testGetBrokerConfig(ctx context.Context, t *testing.T) {
	configs, masterOf := parseBrokerConfigs(t, o.mqadmin(ctx, t, "getBrokerConfig", "-c", o.cluster))
	if len(configs) != len(o.brokers()) {
		t.Errorf("getBrokerConfig printed %d brokers (%v), want %d", len(configs), slices.Sorted(maps.Keys(configs)), len(o.brokers()))
	}
	for _, s := range o.shards {
		for _, b := range s.Brokers {
			mq, ok := configs[b.Addr]
			if !ok {
				t.Errorf("getBrokerConfig printed nothing for %s (%s)", b.Pod, b.Addr)
				continue
			}
			wantMaster := ""
			if b.Ordinal != 0 {
				wantMaster = s.Master().Addr
			}
			if masterOf[b.Addr] != wantMaster {
				t.Errorf("%s: mqadmin groups it under master %q, want %q", b.Pod, masterOf[b.Addr], wantMaster)
			}
			rc, err := o.rc.BrokerConfig(ctx, b.Addr)
			if err != nil {
				t.Fatal(err)
			}
			role := "ASYNC_MASTER"
			if b.Ordinal != 0 {
				role = "SLAVE"
			}
			for k, want := range map[string]string{"brokerName": s.Name, "brokerRole": role, "brokerId": strconv.Itoa(b.Ordinal), "flushDiskType": "SYNC_FLUSH"} {
				if mq[k] != want || rc[k] != want {
					t.Errorf("%s %s: mqadmin %q, remoting %q, want %q", b.Pod, k, mq[k], rc[k], want)
				}
			}
			compareMaps(t, b.Pod+" config", mq, rc)
		}
	}
}

// compareMaps reports every key whose value differs or that one side lacks.
func compareMaps(t *testing.T, what string, mq, rc map[string]string) {
	t.Helper()
	keys := map[string]bool{}
	for k := range mq {
		keys[k] = true
	}
	for k := range rc {
		keys[k] = true
	}
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		mv, mok := mq[k]
		rv, rok := rc[k]
		switch {
		case !mok:
			bad = append(bad, fmt.Sprintf("%s: only remoting has it (%q)", k, rv))
		case !rok:
			bad = append(bad, fmt.Sprintf("%s: only mqadmin has it (%q)", k, mv))
		case mv != rv:
			bad = append(bad, fmt.Sprintf("%s: mqadmin %q, remoting %q", k, mv, rv))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: %d of %d keys differ:\n  %s", what, len(bad), len(keys), strings.Join(bad, "\n  "))
	}
}

// topicStatus vs GET_MIN_OFFSET / GET_MAX_OFFSET on each master, and both
// vs the number of messages written to each queue.
func (o *oracle) testTopicStatus(ctx context.Context, t *testing.T, w written) {
	out := o.mqadmin(ctx, t, "topicStatus", "-t", w.topic)
	type offsets struct{ min, max int64 }
	mq := map[string]offsets{}
	header := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "#Broker Name") {
			header = true
			continue
		}
		f := strings.Fields(line)
		if !header || len(f) < 4 {
			continue
		}
		min, err1 := strconv.ParseInt(f[2], 10, 64)
		max, err2 := strconv.ParseInt(f[3], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("topicStatus row %q: %v %v", line, err1, err2)
		}
		mq[f[0]+"/"+f[1]] = offsets{min, max}
	}
	if len(mq) != 4 {
		t.Errorf("topicStatus lists %d queues, want 4:\n%s", len(mq), out)
	}
	for _, s := range o.shards {
		for q := 0; q < 2; q++ {
			key := s.Name + "/" + strconv.Itoa(q)
			min, err := o.rc.MinOffset(ctx, s.Master().Addr, w.topic, q)
			if err != nil {
				t.Fatal(err)
			}
			max, err := o.rc.MaxOffset(ctx, s.Master().Addr, w.topic, q)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := mq[key]
			if !ok || got.min != min || got.max != max || max != w.counts[s.Name][q] || min != 0 {
				t.Errorf("queue %s: mqadmin min/max %v (listed %v), remoting %d/%d, written %d", key, got, ok, min, max, w.counts[s.Name][q])
			}
		}
	}
}

// stableRuntimeKeys are the GET_BROKER_RUNTIME_INFO entries that cannot
// change between two readings of an idle broker, so one mqadmin reading
// must equal the remoting readings taken just before and after it:
//
//   - brokerVersionDesc, brokerVersion: compiled into the broker.
//   - bootTimestamp: set once when the store starts.
//   - commitLogMaxOffset, commitLogMinOffset: move only when messages are
//     stored (a slave once replication caught up; awaited first) or, for
//     the minimum, when files expire after 72 h.
//   - msgPutTotalTodayNow, putMessageSizeTotal, putMessageFailedTimes:
//     running totals of puts since boot (not reset at midnight, despite the
//     name); a slave's stay 0, replication is not a put.
//   - *ThreadPoolQueueCapacity, startAcceptSendRequestTimeStamp: config.
//
// Everything else moves by itself and is compared by key only: runtime
// (the clock), the *Tps and putLatency* windows (sampled every second),
// disk ratios and commitLogDirCapacity (free space on a shared disk),
// queue sizes and head wait times (load), pageCacheLockTimeMills,
// dispatchBehindBytes (async dispatch), earliestMessageTimeStamp (read from
// the store), msgGet* (any pull), and *TodayMorning/*YesterdayMorning,
// which flip at midnight.
var stableRuntimeKeys = []string{
	"brokerVersionDesc", "brokerVersion", "bootTimestamp",
	"commitLogMaxOffset", "commitLogMinOffset",
	"msgPutTotalTodayNow", "putMessageSizeTotal", "putMessageFailedTimes",
	"sendThreadPoolQueueCapacity", "pullThreadPoolQueueCapacity", "queryThreadPoolQueueCapacity",
	"EndTransactionThreadPoolQueueCapacity", "startAcceptSendRequestTimeStamp",
}

// brokerStatus -b per broker vs GET_BROKER_RUNTIME_INFO, once the writes
// are over and every slave holds its master's commit log.
func (o *oracle) testBrokerStatus(ctx context.Context, t *testing.T, w written) {
	o.awaitSlavesCaughtUp(ctx, t)
	for _, s := range o.shards {
		for _, b := range s.Brokers {
			before, err := o.rc.BrokerRuntimeInfo(ctx, b.Addr)
			if err != nil {
				t.Fatal(err)
			}
			out := o.mqadmin(ctx, t, "brokerStatus", "-b", b.Addr)
			after, err := o.rc.BrokerRuntimeInfo(ctx, b.Addr)
			if err != nil {
				t.Fatal(err)
			}
			mq := map[string]string{}
			for _, line := range strings.Split(out, "\n") {
				if k, v, ok := parseKV(line, ':', " "); ok {
					mq[k] = v
				}
			}
			// The same table, so the same keys.
			mqKeys, rcKeys := slices.Sorted(maps.Keys(mq)), slices.Sorted(maps.Keys(before))
			if !slices.Equal(mqKeys, rcKeys) {
				t.Errorf("%s: mqadmin keys %v\nremoting keys %v", b.Pod, mqKeys, rcKeys)
			}
			for _, k := range stableRuntimeKeys {
				if before[k] != after[k] {
					t.Errorf("%s %s moved from %q to %q while idle: the key is not stable, or the broker was not idle", b.Pod, k, before[k], after[k])
				} else if mq[k] != before[k] {
					t.Errorf("%s %s: mqadmin %q, remoting %q", b.Pod, k, mq[k], before[k])
				}
			}
			if b.Ordinal == 0 {
				// Sanity on the master: every message written is counted.
				if n, _ := strconv.ParseInt(before["msgPutTotalTodayNow"], 10, 64); n < w.perShard(s.Name) {
					t.Errorf("%s msgPutTotalTodayNow %d, but %d messages were written to it", b.Pod, n, w.perShard(s.Name))
				}
			}
		}
	}
}

// awaitSlavesCaughtUp waits until every slave's commitLogMaxOffset equals
// its master's, so the slaves' readings are settled too.
func (o *oracle) awaitSlavesCaughtUp(ctx context.Context, t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := wait.Until(ctx, 200*time.Millisecond, "the slaves to catch up", func(ctx context.Context) (bool, string, error) {
		var lag []string
		for _, s := range o.shards {
			offs := map[string]string{}
			for _, b := range s.Brokers {
				rt, err := o.rc.BrokerRuntimeInfo(ctx, b.Addr)
				if err != nil {
					return false, "", err
				}
				offs[b.Pod] = rt["commitLogMaxOffset"]
			}
			for _, b := range s.Brokers {
				if offs[b.Pod] != offs[s.Master().Pod] {
					lag = append(lag, fmt.Sprintf("%s at %s, master at %s", b.Pod, offs[b.Pod], offs[s.Master().Pod]))
				}
			}
		}
		sort.Strings(lag)
		return len(lag) == 0, strings.Join(lag, "; "), nil
	})
	if err != nil {
		t.Fatalf("slaves did not catch up: %v", err)
	}
}

// TestOracleParsers pins the parsing of mqadmin output captured from
// 4.9.7, so that a parser which silently finds nothing cannot make a live
// comparison pass.
func TestOracleParsers(t *testing.T) {
	for _, c := range []struct {
		line       string
		sep        byte
		pad        string
		key, value string
		ok         bool
	}{
		{"brokerVersionDesc               : V4_9_7", ':', " ", "brokerVersionDesc", "V4_9_7", true},
		{"EndTransactionThreadPoolQueueCapacity: 100000", ':', " ", "EndTransactionThreadPoolQueueCapacity", "100000", true},
		{"commitLogDirCapacity            : Total : 252.0 GiB, Free : 79.2 GiB.", ':', " ", "commitLogDirCapacity", "Total : 252.0 GiB, Free : 79.2 GiB.", true},
		{"getFoundTps                     :   ", ':', " ", "getFoundTps", "  ", true},
		{"Caused by: org.apache.rocketmq.client.exception.MQClientException: CODE: 17", ':', " ", "", "", false},
		{"\tat org.apache.rocketmq.tools.command.MQAdminStartup.main(MQAdminStartup.java:100)", ':', " ", "", "", false},
		{"maxMessageSize                                    =  5242880", '=', "  ", "maxMessageSize", "5242880", true},
		{"rocketmqHome                                      =  ", '=', "  ", "rocketmqHome", "", true},
		{"messageDelayLevel                                 =  1s 5s 10s", '=', "  ", "messageDelayLevel", "1s 5s 10s", true},
		{"============127.0.0.1:40023============", '=', "  ", "", "", false},
	} {
		k, v, ok := parseKV(c.line, c.sep, c.pad)
		if k != c.key || v != c.value || ok != c.ok {
			t.Errorf("parseKV(%q) = %q, %q, %v; want %q, %q, %v", c.line, k, v, ok, c.key, c.value, c.ok)
		}
	}

	rows := parseClusterList(t, `#Cluster Name     #Broker Name            #BID  #Addr                  #Version                #InTPS(LOAD)       #OutTPS(LOAD) #PCWait(ms) #Hour #SPACE
rocketmq-cluster  broker-mxw              0     127.0.0.1:44523        V4_9_7                   0.00(0,0ms)         0.00(0,0ms)          0 498764.63 0.1400
rocketmq-cluster  broker-mxw              1     127.0.0.1:41507        V4_9_7                   0.00(0,0ms)         0.00(0,0ms)          0 498764.63 0.1400
`)
	if fmt.Sprint(rows) != "[rocketmq-cluster/broker-mxw/0@127.0.0.1:44523 rocketmq-cluster/broker-mxw/1@127.0.0.1:41507]" {
		t.Errorf("clusterList rows %v", rows)
	}

	r := parseRoute(t, `{
	"brokerDatas":[
		{
			"brokerAddrs":{0:"127.0.0.1:44523",1:"127.0.0.1:41507"
			},
			"brokerName":"broker-mxw",
			"cluster":"rocketmq-cluster"
		}
	],
	"filterServerTable":{},
	"queueDatas":[
		{
			"brokerName":"broker-mxw",
			"perm":6,
			"readQueueNums":4,
			"topicSysFlag":0,
			"writeQueueNums":3
		}
	]
}
`)
	got := entriesOfOracle(r)
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	if fmt.Sprint(got) != "[broker rocketmq-cluster/broker-mxw id 0 at 127.0.0.1:44523 broker rocketmq-cluster/broker-mxw id 1 at 127.0.0.1:41507 queues broker-mxw r4 w3 perm6 sys0]" {
		t.Errorf("route entries %v", got)
	}

	configs, masterOf := parseBrokerConfigs(t, `============Master: 127.0.0.1:44523============
brokerName                                        =  broker-mxw
brokerId                                          =  0

============My Master: 127.0.0.1:44523=====Slave: 127.0.0.1:41507============
brokerName                                        =  broker-mxw
brokerId                                          =  1

`)
	if fmt.Sprint(configs) != "map[127.0.0.1:41507:map[brokerId:1 brokerName:broker-mxw] 127.0.0.1:44523:map[brokerId:0 brokerName:broker-mxw]]" ||
		fmt.Sprint(masterOf) != "map[127.0.0.1:41507:127.0.0.1:44523 127.0.0.1:44523:]" {
		t.Errorf("getBrokerConfig sections %v, masters %v", configs, masterOf)
	}
}
