package kube

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// Target is a KubeBlocks RocketMQ Cluster reached through the API server.
type Target struct {
	cfg     *rest.Config // for exec, which needs a stream of its own
	cs      kubernetes.Interface
	dyn     dynamic.Interface
	host    string
	ns      string
	cluster string
	topo    topology.Topology
	version string // the brokers' serviceVersion the Cluster asks for
	rc      *remoting.Client

	dialTimeout time.Duration
	settle      time.Duration
	backWithin  time.Duration // how long AwaitBack and AwaitNamesrvBack wait
	credMu      sync.Mutex
	ak, sk      string               // the account of the first shard
	accounts    map[string][2]string // shard -> rocketmq-admin username, password
	credErr     error                // why the accounts are not read yet (ACL on)

	reachMu    sync.Mutex
	reachKnown bool // reachErr is a verdict, kept
	reachErr   error

	mu     sync.Mutex
	killed map[string]types.UID // pod -> UID of the killed incarnation
}

// Option configures New.
type Option func(*Target)

// WithDialTimeout bounds the probe that decides whether pod IPs can be
// reached from here.
func WithDialTimeout(d time.Duration) Option { return func(t *Target) { t.dialTimeout = d } }

// WithBackWithin sets how long a killed pod may take to be back
// (default RecreationAllowance).
func WithBackWithin(d time.Duration) Option { return func(t *Target) { t.backWithin = d } }

// WithRoleSettle sets how long role labels must hold still to count as
// settled (default two role-probe periods, 10 s).
func WithRoleSettle(d time.Duration) Option { return func(t *Target) { t.settle = d } }

// New connects to the API server and checks that the Cluster ns/cluster
// exists. The shape every case checks what it finds against is the one
// that Cluster asks for (its spec), never a default: a cluster whose
// labels drifted then fails, instead of passing over nothing.
func New(ctx context.Context, cfg *rest.Config, ns, cluster string, opts ...Option) (*Target, error) {
	cfg = withClientRate(cfg)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create a client for %s: %w", cfg.Host, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create a dynamic client for %s: %w", cfg.Host, err)
	}
	t := &Target{cfg: cfg, cs: cs, dyn: dyn, host: cfg.Host, ns: ns, cluster: cluster,
		dialTimeout: 2 * time.Second, settle: 10 * time.Second, backWithin: RecreationAllowance, killed: map[string]types.UID{}}
	for _, o := range opts {
		o(t)
	}
	cl, err := dyn.Resource(kbapi.Cluster).Namespace(ns).Get(ctx, cluster, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("Cluster %s not found in namespace %s on %s", cluster, ns, cfg.Host)
	}
	if err != nil {
		return nil, fmt.Errorf("get Cluster %s/%s on %s: %w", ns, cluster, cfg.Host, err)
	}
	if t.topo, err = manifests.TopologyOf(cl.Object, "Cluster "+ns+"/"+cluster+" on "+cfg.Host); err != nil {
		return nil, err
	}
	t.topo.Cluster, t.topo.Namespace = cluster, ns
	t.version = manifests.BrokerServiceVersion(cl.Object)
	if t.topo.Mode.ACL {
		// A Cluster just created has no shards, so no account Secrets,
		// yet: making them is KubeBlocks' part, which cluster/ready and
		// the accounts cases judge. They are read when first needed.
		t.credErr = t.loadCredentials(ctx)
	}
	// The target's own client asks only the namesrvs, which check no
	// signature.
	t.rc = remoting.New(remoting.WithTimeout(5 * time.Second))
	return t, nil
}

// loadCredentials reads the rocketmq-admin account of every shard from
// its Secret. The values stay in memory.
func (t *Target) loadCredentials(ctx context.Context) error {
	t.credMu.Lock()
	defer t.credMu.Unlock()
	shards, err := t.shardNames(ctx)
	if err != nil || len(shards) == 0 {
		return fmt.Errorf("ACL is on: find the shards to read their accounts from: %v", err)
	}
	t.accounts = map[string][2]string{}
	for _, sh := range shards {
		name := t.cluster + "-" + sh + "-account-rocketmq-admin"
		sec, err := t.cs.CoreV1().Secrets(t.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("ACL is on: read Secret %s: %w", name, err)
		}
		t.accounts[sh] = [2]string{string(sec.Data["username"]), string(sec.Data["password"])}
	}
	t.ak, t.sk = t.accounts[shards[0]][0], t.accounts[shards[0]][1]
	return nil
}

// CredentialsOf implements target.CredentialsOf: the account of the
// shard's own Secret.
func (t *Target) CredentialsOf(shard string) (string, string) {
	t.credentials(context.Background())
	t.credMu.Lock()
	defer t.credMu.Unlock()
	a := t.accounts[shard]
	return a[0], a[1]
}

// credentials reads the accounts if they were not yet (ACL on), and says
// why they cannot be.
func (t *Target) credentials(ctx context.Context) error {
	t.credMu.Lock()
	pending := t.credErr
	t.credMu.Unlock()
	if pending == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := t.loadCredentials(ctx)
	t.credMu.Lock()
	defer t.credMu.Unlock()
	t.credErr = err
	return err
}

// Close releases the target's connections.
func (t *Target) Close() error { return t.rc.Close() }

// Name implements target.Target.
func (t *Target) Name() string { return "kube" }

// Topology implements target.Target: the shape the Cluster asks for.
func (t *Target) Topology() topology.Topology { return t.topo }

// ServiceVersion is the RocketMQ version the Cluster asks for its brokers.
func (t *Target) ServiceVersion() string { return t.version }

// Abilities implements target.Target: a live Cluster can do everything
// but keep a namesrv down: deleting a namesrv pod brings a new one within
// seconds, and scaling the component down would change the namesrv list
// the addon hands to the brokers. Freezing needs exec into the pods, so
// an API server configuration; whether exec is allowed, and whether pod
// IPs are reachable, is known only by trying: FreezeBroker, Namesrvs and
// Shards say so when they are not.
func (t *Target) Abilities() target.Abilities {
	a := target.Abilities{
		Cannot: map[verdict.Capability]string{
			verdict.HoldDown: "the InstanceSet controller recreates a deleted namesrv pod at once, and scaling the namesrv component would change the address list the brokers register with",
		},
		Freezer: t, Management: t, Objects: t, Operator: t, Secrets: t, PerShard: t, RoleProbe: t,
	}
	if t.cfg == nil {
		a.Cannot[verdict.Freezing] = noExecConfig
	}
	return a
}

// Secrets implements target.SecretSource: every password of the
// namespace's Secrets, read now.
func (t *Target) Secrets(ctx context.Context) ([]verdict.Secret, error) {
	l, err := t.cs.CoreV1().Secrets(t.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the Secrets of %s: %w", t.ns, err)
	}
	return target.PasswordSecrets(l.Items), nil
}

// Credentials implements target.Target.
func (t *Target) Credentials() (string, string) {
	t.credentials(context.Background())
	t.credMu.Lock()
	defer t.credMu.Unlock()
	return t.ak, t.sk
}

func (t *Target) shardNames(ctx context.Context) ([]string, error) {
	l, err := t.dyn.Resource(kbapi.Component).Namespace(t.ns).List(ctx, metav1.ListOptions{
		LabelSelector: target.LabelInstance + "=" + t.cluster + "," + target.LabelShardingName + "=broker"})
	if err != nil {
		return nil, fmt.Errorf("list the broker shards of %s/%s: %w", t.ns, t.cluster, err)
	}
	var out []string
	for _, c := range l.Items {
		out = append(out, strings.TrimPrefix(c.GetName(), t.cluster+"-"))
	}
	sort.Strings(out)
	return out, nil
}

// pods returns a component's pods by ordinal.
func (t *Target) pods(ctx context.Context, comp string) ([]corev1.Pod, error) {
	l, err := t.cs.CoreV1().Pods(t.ns).List(ctx, metav1.ListOptions{
		LabelSelector: target.LabelInstance + "=" + t.cluster + "," + target.LabelComponent + "=" + comp})
	if err != nil {
		return nil, fmt.Errorf("list the pods of %s: %w", comp, err)
	}
	pods := l.Items
	sort.Slice(pods, func(i, j int) bool { return podOrdinal(pods[i].Name) < podOrdinal(pods[j].Name) })
	return pods, nil
}

func podOrdinal(name string) int {
	n, err := strconv.Atoi(name[strings.LastIndexByte(name, '-')+1:])
	if err != nil {
		return -1
	}
	return n
}

// containerPort returns the named port of the pod's container, or def.
func containerPort(p *corev1.Pod, container, port string, def int32) int32 {
	for _, c := range p.Spec.Containers {
		if c.Name != container {
			continue
		}
		for _, cp := range c.Ports {
			if cp.Name == port {
				return cp.ContainerPort
			}
		}
	}
	return def
}

// reachable says whether this process can reach the pod network, by
// asking the first namesrv pod. The verdict is kept once it is one: an
// answer, or no answer from a namesrv pod that is Ready. While no namesrv
// pod is Ready (the Cluster still coming up) it is asked again next time.
func (t *Target) reachable(ctx context.Context) error {
	t.reachMu.Lock()
	defer t.reachMu.Unlock()
	if t.reachKnown {
		return t.reachErr
	}
	pods, err := t.pods(ctx, "namesrv")
	if err != nil {
		return err
	}
	if len(pods) == 0 || pods[0].Status.PodIP == "" || !target.PodReady(&pods[0]) {
		return fmt.Errorf("no Ready namesrv pod with an IP in %s yet", t.ns)
	}
	addr := net.JoinHostPort(pods[0].Status.PodIP, strconv.Itoa(int(containerPort(&pods[0], "rocketmq-namesrv", "nameserver", 9876))))
	// A TCP connect is not proof: a proxy or NAT on the way may accept
	// any connection. Only a namesrv that answers a remoting request is.
	pctx, cancel := context.WithTimeout(ctx, t.dialTimeout)
	defer cancel()
	if _, err := t.rc.ClusterInfo(pctx, addr); err != nil {
		t.reachErr = fmt.Errorf("cannot reach namesrv pod %s at %s from here (%v). Brokers advertise pod IPs, so the suite must reach the pod network: "+
			"either run it in the cluster (a pod, with --in-cluster), or on the kind docker host with routes to the pod CIDR through the node IPs (`go run . e2e` adds them). "+
			"Port-forwarding the namesrv does not help: it hands out pod IPs", pods[0].Name, addr, err)
	}
	t.reachKnown = true
	return t.reachErr
}

// Namesrvs implements target.Target: the namesrv pods' addresses.
func (t *Target) Namesrvs(ctx context.Context) ([]string, error) {
	if err := t.reachable(ctx); err != nil {
		return nil, err
	}
	pods, err := t.pods(ctx, "namesrv")
	if err != nil {
		return nil, err
	}
	var out []string
	for i := range pods {
		if ip := pods[i].Status.PodIP; ip != "" {
			out = append(out, net.JoinHostPort(ip, strconv.Itoa(int(containerPort(&pods[i], "rocketmq-namesrv", "nameserver", 9876)))))
		}
	}
	return out, nil
}

// Shards implements target.Target: each shard's pods with their role
// labels, at their pod IPs. The master is ordinal 0 by the addon's rule
// or, in DLedger mode, the broker the first namesrv lists at brokerId 0,
// the elected leader (Leader -1 while an election runs), whichever pod
// that is: a group elects, and the first leader need not be ordinal 0
// (seen on kind).
func (t *Target) Shards(ctx context.Context) ([]target.Shard, error) {
	if err := t.credentials(ctx); err != nil {
		return nil, err
	}
	if err := t.reachable(ctx); err != nil {
		return nil, err
	}
	shards, err := t.discover(ctx)
	if err != nil || !t.topo.Mode.DLedger {
		return shards, err
	}
	ns, err := t.Namesrvs(ctx)
	if err != nil {
		return nil, err
	}
	if len(ns) == 0 {
		return nil, fmt.Errorf("find the DLedger leaders: no namesrv pod has an IP")
	}
	ci, err := t.rc.ClusterInfo(ctx, ns[0])
	if err != nil {
		return nil, fmt.Errorf("find the DLedger leaders: %w", err)
	}
	for i := range shards {
		shards[i].Leader = -1
		leader := ci.BrokerAddrTable[shards[i].Name].BrokerAddrs[0]
		for j, b := range shards[i].Brokers {
			if b.Addr != "" && b.Addr == leader {
				shards[i].Leader = j
			}
		}
	}
	return shards, nil
}

// discover reads the shards from the API server alone.
func (t *Target) discover(ctx context.Context) ([]target.Shard, error) {
	names, err := t.shardNames(ctx)
	if err != nil {
		return nil, err
	}
	var out []target.Shard
	for _, name := range names {
		pods, err := t.pods(ctx, name)
		if err != nil {
			return nil, err
		}
		sh := target.Shard{Name: name}
		for i := range pods {
			p := &pods[i]
			addr := ""
			if p.Status.PodIP != "" {
				addr = net.JoinHostPort(p.Status.PodIP, strconv.Itoa(int(containerPort(p, "rocketmq-broker", "broker", 10911))))
			}
			b := target.Broker{Shard: name, Ordinal: podOrdinal(p.Name), Pod: p.Name, Addr: addr, RoleLabel: p.Labels[target.LabelRole]}
			if p.Status.PodIP != "" {
				b.DLedgerAddr = net.JoinHostPort(p.Status.PodIP, strconv.Itoa(int(containerPort(p, "rocketmq-broker", "dledger", 40911))))
			}
			sh.Brokers = append(sh.Brokers, b)
		}
		out = append(out, sh)
	}
	return out, nil
}

// AwaitStableRoles waits until every broker pod has a role label and the
// labels have held still for the settle time: the role probe may label a
// booting slave master for a moment.
func (t *Target) AwaitStableRoles(ctx context.Context) error {
	var last string
	var since time.Time
	return wait.Until(ctx, 500*time.Millisecond, "the broker role labels to settle", func(ctx context.Context) (bool, string, error) {
		shards, err := t.discover(ctx)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		var parts []string
		for _, s := range shards {
			for _, b := range s.Brokers {
				if b.RoleLabel == "" {
					return false, "pod " + b.Pod + " has no " + target.LabelRole + " label", nil
				}
				parts = append(parts, b.Pod+"="+b.RoleLabel)
			}
		}
		now := strings.Join(parts, " ")
		if now != last {
			last, since = now, time.Now()
		}
		return time.Since(since) >= t.settle, "labels changed " + time.Since(since).Round(time.Second).String() + " ago: " + now, nil
	})
}

// withClientRate lifts client-go's default client-side rate (5 requests a
// second, bursts of 10) to kubectl's, on a copy: the cases poll pods,
// labels and OpsRequests side by side, and at the default a poll waits
// on the limiter instead of the API server, or fails near its deadline
// with the limiter's error instead of what it observed.
func withClientRate(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	if c.QPS == 0 {
		c.QPS = 50
	}
	if c.Burst == 0 {
		c.Burst = 300
	}
	return c
}
