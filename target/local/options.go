package local

import (
	"io"
	"path/filepath"
	"time"
)

// Option configures Start, in the style of kind's cluster.CreateOption.
type Option func(*config)

type config struct {
	version    string
	fallbacks  []string
	home       string
	all        []Setting
	master     []Setting
	slave      []Setting
	keep       bool
	portBase   int
	delay      time.Duration
	delaySet   bool
	progress   io.Writer
	workDir    string
	onRecreate func(Recreated) error
	shardNames []string
	timeout    time.Duration
	account    *aclAccount // WithACLAccount's; nil: Start makes rocketmq-admin's in ACL mode
	aclFile    func(*ACLFile)
	// exporterJar and dashboardJar run the management components from
	// jars (webapps.go); empty: they do not run.
	exporterJar, dashboardJar string
}

// WithExporterJar runs the exporter from jar, as exporter-setup.sh does.
func WithExporterJar(jar string) Option { return func(c *config) { c.exporterJar = jar } }

// WithDashboardJar runs the dashboard from jar, as dashboard-setup.sh does.
func WithDashboardJar(jar string) Option { return func(c *config) { c.dashboardJar = jar } }

// WithServerVersion asks for RocketMQ version v, with fallbacks tried in
// order when the Maven repository does not serve it.
func WithServerVersion(v string, fallbacks ...string) Option {
	return func(c *config) { c.version, c.fallbacks = v, fallbacks }
}

// WithRocketMQHome runs the jars of an unpacked binary distribution instead
// of fetching them.
func WithRocketMQHome(dir string) Option { return func(c *config) { c.home = dir } }

// WithBrokerConfig adds broker.conf overrides: for every broker, for masters
// and for slaves. They are written on first boot, after the addon's keys.
func WithBrokerConfig(all, master, slave []Setting) Option {
	return func(c *config) { c.all, c.master, c.slave = all, master, slave }
}

// WithKeep keeps the run folder (logs and stores) after Close.
func WithKeep(keep bool) Option { return func(c *config) { c.keep = keep } }

// WithPortBase uses consecutive ports from base instead of free ones.
func WithPortBase(base int) Option { return func(c *config) { c.portBase = base } }

// WithRecreateDelay sets how long a killed process stays down before the
// supervisor starts it again: the stand-in for pod recreation. The default
// is 2 s, and for brokers in DLedger mode 10 s (see dledgerRecreateDelay).
func WithRecreateDelay(d time.Duration) Option {
	return func(c *config) { c.delay, c.delaySet = d, true }
}

// dledgerRecreateDelay keeps a killed DLedger member down long enough for
// the survivors to notice and elect (three missed 2 s heartbeats, then a
// vote), as a recreated pod on Kubernetes, whose container takes longer to
// start than a JVM on loopback, is. Back sooner, the old leader would often
// take its place again before anyone else is elected.
const dledgerRecreateDelay = 10 * time.Second

// WithProgress sends progress lines to w.
func WithProgress(w io.Writer) Option { return func(c *config) { c.progress = w } }

// WithWorkDir puts the run folder under dir instead of the system temp dir.
func WithWorkDir(dir string) Option { return func(c *config) { c.workDir = dir } }

// Recreated is a broker about to start again after a kill: its pod,
// whether the addon makes it a master, and its store folder, which holds
// its broker.conf as the PVC does on the addon.
type Recreated struct {
	Pod    string
	Master bool
	Store  string
}

// Conf is the broker.conf the recreated broker will read.
func (r Recreated) Conf() string { return filepath.Join(r.Store, "broker.conf") }

// WithOnRecreate runs f before a killed broker starts again, on its store.
// It exists so tests can prove the suite catches a platform that brings a
// broker back changed (a lost PVC, a rewritten config, lost metadata); a
// conforming platform starts it on its store as it was.
func WithOnRecreate(f func(Recreated) error) Option { return func(c *config) { c.onRecreate = f } }

// WithShardNames names the shards instead of broker-<3 random characters>:
// tests use it to plant names like the seed's broker-0, which KubeBlocks
// never gives.
func WithShardNames(names ...string) Option { return func(c *config) { c.shardNames = names } }

// WithACLAccount makes accessKey/secretKey the account the brokers admit
// and the suite signs with, in place of the rocketmq-admin password Start
// otherwise generates. It supplies the account only: whether the brokers
// run with ACL is the manifest's mode (manifests.Cluster.WithMode), which
// the Topology reports too, so the two cannot disagree; Start refuses an
// account for a Cluster whose mode is not ACL. RocketMQ refuses keys of 6
// characters or fewer; Start checks that first, and never quotes the
// secret key.
func WithACLAccount(accessKey, secretKey string) Option {
	return func(c *config) { c.account = &aclAccount{accessKey: accessKey, secretKey: secretKey} }
}

// WithACLFile lets edit change plain_acl.yml before the brokers read it:
// tests plant an ACL the addon would not write (a whitelist that covers
// the suite, an account whose secret is not the one the suite signs with).
func WithACLFile(edit func(*ACLFile)) Option { return func(c *config) { c.aclFile = edit } }
