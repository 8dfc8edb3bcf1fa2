package local

import (
	"io"
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
	lostVolume bool
	timeout    time.Duration
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

// WithLostVolumeOnRecreate wipes a broker's store before the supervisor
// brings it back, as if its PVC were lost. It exists so tests can prove the
// suite catches data loss; a conforming platform never does this.
func WithLostVolumeOnRecreate() Option { return func(c *config) { c.lostVolume = true } }
