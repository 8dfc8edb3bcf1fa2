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
	progress   io.Writer
	workDir    string
	onRecreate func(Recreated) error
	shardNames []string
	timeout    time.Duration
	acl        *aclAccount // nil: brokers run without ACL, the addon's default
}

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
// supervisor starts it again: the stand-in for pod recreation.
func WithRecreateDelay(d time.Duration) Option { return func(c *config) { c.delay = d } }

// WithProgress sends progress lines to w.
func WithProgress(w io.Writer) Option { return func(c *config) { c.progress = w } }

// WithWorkDir puts the run folder under dir instead of the system temp dir.
func WithWorkDir(dir string) Option { return func(c *config) { c.workDir = dir } }

// WithStartTimeout bounds bringing the topology up.
func WithStartTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

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

// WithACL runs the brokers the way the addon does with ENABLE_ACL=true:
// broker.conf gets aclEnable=true and the RocketMQ home's conf/ holds a
// plain_acl.yml with one admin account, accessKey/secretKey (the addon's
// rocketmq-admin system account). The cluster's own calls, Credentials and
// MQAdmin then use that account. RocketMQ refuses keys of 6 characters or
// fewer; Start checks that first, and never quotes the secret key.
//
// Unlike on the addon, where the pod /24 is whitelisted, every request from
// this machine must be signed here (see aclWhitelist). A slave's metadata sync
// from its master is an unsigned request in RocketMQ 4.9, so with ACL and
// more than one replica per shard slaves replicate messages (HA is not
// subject to ACL) but do not learn new topics, groups or offsets.
func WithACL(accessKey, secretKey string) Option {
	return func(c *config) { c.acl = &aclAccount{accessKey: accessKey, secretKey: secretKey} }
}
