package local

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rmqkb/conformance/internal/dist"
	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/rmqkb/conformance/manifests"
)

// Cluster is a running local topology.
type Cluster struct {
	cfg      config
	manifest manifests.Cluster // its Mode is the one the brokers run
	java     Java
	dist     dist.Dist
	dir      string // the run folder
	home     string // rocketmq.home.dir: conf/ with the logback files
	rc       *remoting.Client

	// acl is the account the brokers admit and the suite signs with: set
	// by Start exactly when the manifest's mode is ACL, nil otherwise.
	acl *aclAccount

	namesrvs []*namesrv
	shards   []*shard

	exporter, dashboard *webApp // nil unless run from a jar
	consolePassword     string  // the dashboard's console-admin, with ACL

	mu        sync.Mutex
	killedGen map[string]int // pod -> generation that was killed

	// ports hands out every port the cluster's processes listen on, at
	// start and when it scales, and keeps them its own until Close.
	ports *portPlan
}

type namesrv struct {
	proc *process
	addr string
}

type shard struct {
	name    string
	brokers []*broker
}

type broker struct {
	id   BrokerIdentity
	proc *process
	addr string
}

// Start brings the manifest's topology up on loopback and returns once every
// broker is registered in every namesrv. On error nothing is left running.
func Start(ctx context.Context, m manifests.Cluster, opts ...Option) (c *Cluster, err error) {
	cfg := config{delay: 2 * time.Second, progress: io.Discard, timeout: 3 * time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.version == "" {
		v := manifests.DefaultVersions()
		cfg.version, cfg.fallbacks = v.RocketMQ.Server, v.RocketMQ.LocalFallbacks
	}
	acl, err := aclAccountFor(m.Mode(), cfg.account)
	if err != nil {
		return nil, setupErr("configure ACL", err)
	}
	// With ACL the cluster's own calls (registration waits, override checks,
	// role probes) sign like the addon's get-role.sh does.
	ak, sk := acl.keys()
	c = &Cluster{cfg: cfg, manifest: m, acl: acl, rc: remoting.New(remoting.WithTimeout(3*time.Second), remoting.WithCredentials(ak, sk)), killedGen: map[string]int{}, ports: newPortPlan(cfg.portBase)}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if c.java, err = FindJava(ctx); err != nil {
		return c, err
	}
	if cfg.home != "" {
		c.dist, err = dist.FromHome(cfg.home)
	} else {
		c.dist, err = dist.Resolve(ctx, cfg.version, cfg.fallbacks, cfg.progress)
	}
	if de := (*dist.Error)(nil); errors.As(err, &de) {
		return c, &SetupError{Step: de.Step, Err: de.Err, LogTail: de.LogTail}
	} else if err != nil {
		return c, err
	}
	if c.dist.Note != "" {
		fmt.Fprintf(cfg.progress, "note: %s\n", c.dist.Note)
	}
	if err := c.layout(); err != nil {
		return c, err
	}
	sctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if err := c.boot(sctx); err != nil {
		return c, err
	}
	return c, nil
}

// layout plans ports, names and folders and writes the config files, as the
// addon's first boot does.
func (c *Cluster) layout() error {
	m := c.manifest
	var err error
	if c.dir, err = os.MkdirTemp(c.cfg.workDir, "rmqkb-"+m.Name+"-"); err != nil {
		return setupErr("create the run folder", err)
	}
	c.home = filepath.Join(c.dir, "rocketmq-home")
	if err := os.MkdirAll(filepath.Join(c.home, "conf"), 0o755); err != nil {
		return setupErr("create the run folder", err)
	}
	logback, perm := logbackXML, os.FileMode(0o644)
	if a := c.acl; a != nil {
		// It spells out the secret (escaped) so as to redact it.
		logback, perm = redactedLogbackXML(a.secretKey), 0o600
	}
	for _, f := range []string{"logback_namesrv.xml", "logback_broker.xml", "logback_tools.xml"} {
		if err := os.WriteFile(filepath.Join(c.home, "conf", f), []byte(logback), perm); err != nil {
			return setupErr("write logging config", err)
		}
	}
	if a := c.acl; a != nil {
		// Like init_acl: plain_acl.yml in the RocketMQ home's conf/, which
		// every broker reads; and tools.yml there for MQAdmin. Both hold
		// the secret, so only we may read them.
		file := addonACL(a)
		if c.cfg.aclFile != nil {
			c.cfg.aclFile(&file)
		}
		for f, text := range map[string]string{"plain_acl.yml": file.String(), "tools.yml": toolsYML(a)} {
			if err := os.WriteFile(filepath.Join(c.home, "conf", f), []byte(text), 0o600); err != nil {
				return setupErr("write ACL config", err)
			}
		}
	}
	pp := c.ports
	defer pp.release()
	for i := 0; i < m.Namesrv.Replicas; i++ {
		pod := fmt.Sprintf("%s-namesrv-%d", m.Name, i)
		port, err := pp.take(1, "namesrv "+pod)
		if err != nil {
			return setupErr("plan ports", err)
		}
		ns, err := c.namesrvProcess(pod, port)
		if err != nil {
			return setupErr("write namesrv "+pod, err)
		}
		c.namesrvs = append(c.namesrvs, ns)
	}
	names := map[string]bool{}
	for s := 0; s < m.Shards; s++ {
		name := shardName(names)
		if s < len(c.cfg.shardNames) {
			name = c.cfg.shardNames[s]
		}
		sh := &shard{name: name}
		// Ports first: in DLedger mode every member's config names all.
		var ids []BrokerIdentity
		for o := 0; o < m.Broker.Replicas; o++ {
			first, err := pp.take(brokerBlock, fmt.Sprintf("broker %s-%s-%d", m.Name, name, o))
			if err != nil {
				return setupErr("plan ports", err)
			}
			ids = append(ids, BrokerIdentity{Cluster: m.Name, Shard: name, Ordinal: o, Port: first + 2})
		}
		for _, id := range ids {
			id.Peers = dLegerPeers(ids)
			pod := fmt.Sprintf("%s-%s-%d", m.Name, name, id.Ordinal)
			b, err := c.brokerProcess(pod, id)
			if err != nil {
				return setupErr("write broker "+pod, err)
			}
			sh.brokers = append(sh.brokers, b)
		}
		c.shards = append(c.shards, sh)
	}
	if err := c.webAppProcesses(pp); err != nil {
		return setupErr("plan the exporter and dashboard", err)
	}
	return nil
}

// shardName returns broker- plus three random characters from the alphabet
// Kubernetes' name generator uses, as KubeBlocks names shards; unique.
func shardName(taken map[string]bool) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	for {
		b := []byte("broker-")
		for i := 0; i < 3; i++ {
			n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			b = append(b, alphabet[n.Int64()])
		}
		if !taken[string(b)] {
			taken[string(b)] = true
			return string(b)
		}
	}
}

func (c *Cluster) podDir(pod string) (string, error) {
	dir := filepath.Join(c.dir, pod)
	for _, d := range []string{"store", "logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// jvm is the command line of a RocketMQ JVM whose files stay under dir.
// java.io.tmpdir among them: every remoting server writes a self-signed
// certificate there (Netty's SelfSignedCertificate, for RocketMQ's
// permissive TLS mode), and a killed JVM never deletes it.
func (c *Cluster) jvm(dir, appLog string, heapMiB int64) []string {
	argv := []string{c.java.Path}
	argv = append(argv, c.java.Flags()...)
	return append(argv,
		"-Xms"+strconv.FormatInt(heapMiB, 10)+"m", "-Xmx"+strconv.FormatInt(heapMiB, 10)+"m",
		"-Duser.home="+dir, "-Djava.io.tmpdir="+filepath.Join(dir, "tmp"), "-Drocketmq.home.dir="+c.home, "-Drmq.logfile="+appLog,
		"-cp", c.dist.Classpath())
}

func (c *Cluster) namesrvProcess(pod string, port int) (*namesrv, error) {
	dir, err := c.podDir(pod)
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "namesrv.conf")
	if err := os.WriteFile(conf, []byte(Settings{{"listenPort", strconv.Itoa(port)}}.String()), 0o644); err != nil {
		return nil, err
	}
	appLog := filepath.Join(dir, "logs", "namesrv.log")
	argv := append(c.jvm(dir, appLog, Heap(c.manifest.Namesrv.MemoryLimit)), "org.apache.rocketmq.namesrv.NamesrvStartup", "-c", conf)
	p := newProcess(pod, dir, argv, os.Environ(), filepath.Join(dir, "logs", "stdout.log"), appLog, c.cfg.delay)
	p.limit = quantity(c.manifest.Namesrv.MemoryLimit)
	return &namesrv{proc: p, addr: "127.0.0.1:" + strconv.Itoa(port)}, nil
}

// template is what the manifest's mode makes of broker.conf.
func (c *Cluster) template() Template {
	_, annotated := c.manifest.Annotations()[manifests.ExtraEnvAnnotation]
	return Template{ExtraEnv: annotated, Mode: c.manifest.Mode()}
}

func (c *Cluster) brokerProcess(pod string, id BrokerIdentity) (*broker, error) {
	dir, err := c.podDir(pod)
	if err != nil {
		return nil, err
	}
	// Like broker-setup.sh: the config lives on the store ("the PVC") and is
	// written on first boot only, so identity survives a restart.
	conf := filepath.Join(dir, "store", "broker.conf")
	text := brokerConf(id, c.template(), c.cfg.all, c.cfg.master, c.cfg.slave).String()
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	appLog := filepath.Join(dir, "logs", "broker.log")
	argv := append(c.jvm(dir, appLog, Heap(c.manifest.Broker.MemoryLimit)), "org.apache.rocketmq.broker.BrokerStartup", "-c", conf)
	env := append(os.Environ(), "NAMESRV_ADDR="+strings.Join(c.namesrvAddrs(), ";"))
	p := newProcess(pod, dir, argv, env, filepath.Join(dir, "logs", "stdout.log"), appLog, c.brokerDelay())
	p.limit = quantity(c.manifest.Broker.MemoryLimit)
	p.onStart = func(gen int) error {
		if gen == 1 || c.cfg.onRecreate == nil {
			return nil
		}
		return c.cfg.onRecreate(Recreated{Pod: pod, Master: id.Master(), Store: filepath.Join(dir, "store")})
	}
	return &broker{id: id, proc: p, addr: "127.0.0.1:" + strconv.Itoa(id.Port)}, nil
}

// brokerDelay is how long a killed broker stays down: the configured
// delay, or in DLedger mode, unless one was set, dledgerRecreateDelay.
// Namesrvs keep the configured delay in every mode.
func (c *Cluster) brokerDelay() time.Duration {
	if c.manifest.Mode().DLedger && !c.cfg.delaySet {
		return dledgerRecreateDelay
	}
	return c.cfg.delay
}

// namesrvList is the namesrvs as they are now: a namesrv scaling adds and
// removes them while cases read the list.
func (c *Cluster) namesrvList() []*namesrv {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.namesrvs)
}

func (c *Cluster) namesrvAddrs() []string {
	var out []string
	for _, n := range c.namesrvList() {
		out = append(out, n.addr)
	}
	return out
}

func (c *Cluster) brokers() []*broker {
	var out []*broker
	for _, s := range c.shardList() {
		out = append(out, s.brokers...)
	}
	return out
}

// shardList is the shards as they are now, each a copy: a shard or
// replica scaling adds and removes shards and brokers while cases read
// them.
func (c *Cluster) shardList() []*shard {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*shard, 0, len(c.shards))
	for _, s := range c.shards {
		out = append(out, &shard{name: s.name, brokers: slices.Clone(s.brokers)})
	}
	return out
}

// boot starts the namesrvs, then every broker at once, and waits until each
// broker is registered in each namesrv and took every override.
func (c *Cluster) boot(ctx context.Context) error {
	start := time.Now()
	for _, n := range c.namesrvList() {
		if err := n.proc.start(); err != nil {
			return setupErr("start namesrv "+n.proc.name, err)
		}
	}
	for _, n := range c.namesrvList() {
		if err := c.awaitNamesrv(ctx, n); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.cfg.progress, "  %d namesrv up in %s\n", len(c.namesrvs), time.Since(start).Round(100*time.Millisecond))
	// Masters first, then slaves. A slave learns its master's HA address
	// from its own registration; one that registers before its master gets
	// none and replicates nothing until its next registration, up to 30 s
	// later. KubeBlocks starts a shard's pods in parallel and lives with
	// that once; the suite starts checking at once, so it avoids the race.
	//
	// In DLedger mode there is no such order: every member starts at
	// once, as a Raft group forms, and the shard is ready once it has
	// elected a leader.
	for _, group := range c.bootGroups() {
		for _, b := range group {
			if err := b.proc.start(); err != nil {
				return setupErr("start broker "+b.proc.name, err)
			}
		}
		for _, b := range group {
			if err := c.awaitRegistered(ctx, b); err != nil {
				return err
			}
		}
	}
	if c.manifest.Mode().DLedger {
		if err := c.awaitLeaders(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.cfg.progress, "  %d brokers registered in every namesrv after %s\n", len(c.brokers()), time.Since(start).Round(100*time.Millisecond))
	if err := c.checkOverrides(ctx); err != nil {
		return err
	}
	return c.bootWebApps(ctx)
}

// bootGroups are the brokers in the order they start: masters, then
// slaves; in DLedger mode all at once.
func (c *Cluster) bootGroups() [][]*broker {
	if c.manifest.Mode().DLedger {
		return [][]*broker{c.brokers()}
	}
	var masters, slaves []*broker
	for _, b := range c.brokers() {
		if b.id.Master() {
			masters = append(masters, b)
		} else {
			slaves = append(slaves, b)
		}
	}
	return [][]*broker{masters, slaves}
}

// awaitLeaders waits until every namesrv lists, for every shard, one of
// its brokers at brokerId 0: the shard's Raft group has a leader.
func (c *Cluster) awaitLeaders(ctx context.Context) error {
	return wait.Until(ctx, 200*time.Millisecond, "every shard to elect a DLedger leader", func(ctx context.Context) (bool, string, error) {
		for _, n := range c.namesrvList() {
			ci, err := c.rc.ClusterInfo(ctx, n.addr)
			if err != nil {
				return false, wait.Reason(err), nil
			}
			for _, s := range c.shardList() {
				leader := ci.BrokerAddrTable[s.name].BrokerAddrs[0]
				if !slices.ContainsFunc(s.brokers, func(b *broker) bool { return b.addr == leader }) {
					return false, fmt.Sprintf("namesrv %s lists no leader of %s yet", n.addr, s.name), nil
				}
			}
		}
		return true, "", nil
	})
}

// deadProcess turns a process that is down for good into a setup error
// carrying its log.
func deadProcess(step string, p *process, err error) error {
	return &SetupError{Step: step, Err: err, LogTail: p.logTail(40)}
}

func (c *Cluster) awaitNamesrv(ctx context.Context, n *namesrv) error {
	step := "start namesrv " + n.proc.name
	err := wait.Until(ctx, 100*time.Millisecond, "namesrv "+n.proc.name+" at "+n.addr+" to answer", func(ctx context.Context) (bool, string, error) {
		if ok, failed := n.proc.alive(); failed != nil {
			return false, "", failed
		} else if !ok {
			return false, "process not running", nil
		}
		if _, err := c.rc.ClusterInfo(ctx, n.addr); err != nil {
			return false, wait.Reason(err), nil
		}
		return true, "", nil
	})
	if err != nil {
		return deadProcess(step, n.proc, err)
	}
	return nil
}

// awaitRegistered waits until every namesrv lists b's address under its
// shard. It does not insist on the brokerId: a broker config that deviates
// from the addon's (a plant, or a --slave-config) must still come up, so
// that routing/brokers-registered can say how it deviates.
func (c *Cluster) awaitRegistered(ctx context.Context, b *broker) error {
	step := "start broker " + b.proc.name
	err := wait.Until(ctx, 100*time.Millisecond, "broker "+b.proc.name+" to register in every namesrv", func(ctx context.Context) (bool, string, error) {
		if ok, failed := b.proc.alive(); failed != nil {
			return false, "", failed
		} else if !ok {
			return false, "process not running", nil
		}
		for _, n := range c.namesrvList() {
			ci, err := c.rc.ClusterInfo(ctx, n.addr)
			if err != nil {
				return false, wait.Reason(err), nil
			}
			if !listed(ci.BrokerAddrTable[b.id.Shard].BrokerAddrs, b.addr) {
				return false, fmt.Sprintf("namesrv %s does not list %s at %s yet", n.addr, b.id.Shard, b.addr), nil
			}
		}
		// For about a second after start a 4.9 broker answers
		// GET_BROKER_RUNTIME_INFO with an error (its TPS statistics have no
		// sample yet); ready means it answers that too.
		if _, err := c.rc.BrokerRuntimeInfo(ctx, b.addr); err != nil {
			return false, "runtime info not served yet: " + err.Error(), nil
		}
		return true, "", nil
	})
	if err != nil {
		return deadProcess(step, b.proc, err)
	}
	return nil
}

// listed reports whether addr is among a shard's registered brokers.
func listed(addrs map[int64]string, addr string) bool {
	for _, a := range addrs {
		if a == addr {
			return true
		}
	}
	return false
}

// checkOverrides makes sure every --*-config key is a setting the broker
// knows: a misspelt key would otherwise be ignored silently by RocketMQ.
func (c *Cluster) checkOverrides(ctx context.Context) error {
	for _, b := range c.brokers() {
		want := append([]Setting(nil), c.cfg.all...)
		if b.id.Master() {
			want = append(want, c.cfg.master...)
		} else {
			want = append(want, c.cfg.slave...)
		}
		if len(want) == 0 {
			continue
		}
		got, err := c.rc.BrokerConfig(ctx, b.addr)
		if err != nil {
			return setupErr("read the config of broker "+b.proc.name, err)
		}
		for _, kv := range want {
			if _, ok := got[kv.Key]; !ok {
				return setupErr("check broker config overrides", fmt.Errorf("broker %s does not know the setting %q (from %s=%s); RocketMQ ignores unknown keys", b.proc.name, kv.Key, kv.Key, kv.Value))
			}
		}
	}
	return nil
}

// Close stops every process and, unless kept, removes the run folder.
func (c *Cluster) Close() error {
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	// A kept run stops gracefully so its stores are clean to inspect; a
	// discarded one is killed at once, its stores are deleted anyway.
	grace := time.Duration(0)
	if c.cfg.keep {
		grace = 10 * time.Second
	}
	stop := func(p *process) {
		defer wg.Done()
		if err := p.stop(grace); err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	// The apps, brokers, then namesrvs: the addon's terminate order.
	for _, w := range c.webApps() {
		wg.Add(1)
		go stop(w.proc)
	}
	wg.Wait()
	for _, b := range c.brokers() {
		wg.Add(1)
		go stop(b.proc)
	}
	wg.Wait()
	for _, n := range c.namesrvList() {
		wg.Add(1)
		go stop(n.proc)
	}
	wg.Wait()
	if c.rc != nil {
		c.rc.Close()
	}
	c.ports.close()
	if c.dir != "" && !c.cfg.keep {
		if err := os.RemoveAll(c.dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Dir is the run folder: one folder per pod with store/ and logs/.
func (c *Cluster) Dir() string { return c.dir }

// Dist is the server distribution that runs.
func (c *Cluster) Dist() dist.Dist { return c.dist }

// Java is the JVM that runs it.
func (c *Cluster) Java() Java { return c.java }

// Home is the rocketmq.home.dir the processes use (conf/ for logging).
func (c *Cluster) Home() string { return c.home }

// quantity writes bytes as Kubernetes does ("2Gi").
func quantity(bytes int64) string { return resource.NewQuantity(bytes, resource.BinarySI).String() }
