package local

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

var _ target.Target = (*Cluster)(nil)

// Name implements target.Target.
func (c *Cluster) Name() string { return "local" }

// Topology implements target.Target.
func (c *Cluster) Topology() topology.Topology { return c.manifest.Topology() }

// Abilities implements target.Target: the local target holds a
// namesrv down, freezes brokers and reads their processes' scheduling;
// it has processes, not Kubernetes objects, and so no platform role
// labels; it reaches the exporter and the dashboard only when given
// their jars, and has an account secret only with ACL on.
func (c *Cluster) Abilities() target.Abilities {
	a := target.Abilities{
		Cannot: map[verdict.Capability]string{
			verdict.Objects:    "it runs RocketMQ processes on loopback, not Kubernetes objects: Services, Secrets, PVCs, pods and role labels exist only on the kube target and in `audit` dumps",
			verdict.RoleLabels: "it runs processes, not pods: no platform sets a kubeblocks.io/role label to compare with the brokers' own roles",
		},
		Freezer: c, Holder: c, Operator: c, Processes: c, Source: c.clientSource(),
	}
	if len(c.webApps()) == 0 {
		a.Cannot[verdict.Management] = "the exporter (apecloud/rocketmq-exporter:0.0.3) and the dashboard (apecloud/rocketmq-dashboard:2.0.1) are published only as images, not as Maven artifacts; point --exporter-jar or --dashboard-jar at a jar to run them here"
	} else {
		a.Management = c
	}
	if !c.manifest.Mode().ACL {
		a.Cannot[verdict.Secrets] = "its brokers run without ACL, as the addon's do by default: there is no account secret"
	} else {
		a.Secrets = c
	}
	return a
}

// Secrets implements target.SecretSource: the ACL account's secret key,
// when the brokers run with ACL.
func (c *Cluster) Secrets(context.Context) ([]verdict.Secret, error) {
	ak, sk := c.acl.keys()
	if sk == "" {
		return nil, nil
	}
	out := []verdict.Secret{{What: "the secret key of ACL account " + ak, Value: sk}}
	if c.consolePassword != "" {
		out = append(out, verdict.Secret{What: "the password of dashboard account " + consoleAdmin, Value: c.consolePassword})
	}
	return out, nil
}

// Namesrvs implements target.Target.
func (c *Cluster) Namesrvs(context.Context) ([]string, error) { return c.namesrvAddrs(), nil }

// Shards implements target.Target. There is no role label: no
// platform watches the processes, and a label derived here from the
// broker's own role would only ever agree with it. The master is ordinal 0
// by the addon's rule or, in DLedger mode, the broker the first namesrv
// lists at brokerId 0, the elected leader (none while an election runs).
func (c *Cluster) Shards(ctx context.Context) ([]target.Shard, error) {
	var leaders map[string]string
	if c.manifest.Mode().DLedger {
		ci, err := c.rc.ClusterInfo(ctx, c.namesrvList()[0].addr)
		if err != nil {
			return nil, fmt.Errorf("find the DLedger leaders: %w", err)
		}
		leaders = map[string]string{}
		for name, bd := range ci.BrokerAddrTable {
			leaders[name] = bd.BrokerAddrs[0]
		}
	}
	var out []target.Shard
	for _, s := range c.shardList() {
		sh := target.Shard{Name: s.name}
		if leaders != nil {
			sh.Leader = -1
		}
		for i, b := range s.brokers {
			sh.Brokers = append(sh.Brokers, target.Broker{
				Shard: s.name, Ordinal: b.id.Ordinal, Pod: b.proc.name, Addr: b.addr,
				DLedgerAddr: "127.0.0.1:" + strconv.Itoa(b.id.DLedgerPort()),
			})
			if leaders != nil && leaders[s.name] == b.addr {
				sh.Leader = i
			}
		}
		out = append(out, sh)
	}
	return out, nil
}

func (c *Cluster) findBroker(pod string) (*broker, error) {
	for _, b := range c.brokers() {
		if b.proc.name == pod {
			return b, nil
		}
	}
	return nil, fmt.Errorf("no broker %q in this topology", pod)
}

// Kill implements target.Target: SIGKILL, returning once the process has
// exited. The supervisor starts it again after the recreate delay.
func (c *Cluster) Kill(ctx context.Context, b target.Broker) error {
	br, err := c.findBroker(b.Pod)
	if err != nil {
		return err
	}
	gen, err := br.proc.kill(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.killedGen[b.Pod] = gen
	c.mu.Unlock()
	return nil
}

// AwaitBack implements target.Target: a new generation runs and is
// registered in every namesrv with its old identity and address.
func (c *Cluster) AwaitBack(ctx context.Context, b target.Broker) error {
	br, err := c.findBroker(b.Pod)
	if err != nil {
		return err
	}
	c.mu.Lock()
	gen := c.killedGen[b.Pod]
	c.mu.Unlock()
	if err := br.proc.awaitGeneration(ctx, gen); err != nil {
		return err
	}
	return c.awaitRegistered(ctx, br)
}

func (c *Cluster) namesrvAt(i int) (*namesrv, error) {
	list := c.namesrvList()
	if i < 0 || i >= len(list) {
		return nil, fmt.Errorf("no namesrv %d: there are %d", i, len(list))
	}
	return list[i], nil
}

// KillNamesrv implements target.Target.
func (c *Cluster) KillNamesrv(ctx context.Context, i int) error {
	n, err := c.namesrvAt(i)
	if err != nil {
		return err
	}
	gen, err := n.proc.kill(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.killedGen[n.proc.name] = gen
	c.mu.Unlock()
	return nil
}

// AwaitNamesrvBack implements target.Target.
func (c *Cluster) AwaitNamesrvBack(ctx context.Context, i int) error {
	n, err := c.namesrvAt(i)
	if err != nil {
		return err
	}
	c.mu.Lock()
	gen := c.killedGen[n.proc.name]
	c.mu.Unlock()
	if err := n.proc.awaitGeneration(ctx, gen); err != nil {
		return err
	}
	return c.awaitNamesrv(ctx, n)
}

// HoldNamesrvDown implements target.NamesrvHolder: namesrv i is killed
// and not recreated until ReleaseNamesrv.
func (c *Cluster) HoldNamesrvDown(ctx context.Context, i int) error {
	n, err := c.namesrvAt(i)
	if err != nil {
		return err
	}
	n.proc.hold()
	if err := c.KillNamesrv(ctx, i); err != nil {
		n.proc.release()
		return err
	}
	return nil
}

// ReleaseNamesrv implements target.NamesrvHolder: the held namesrv is
// recreated after the recreate delay; AwaitNamesrvBack waits for it.
func (c *Cluster) ReleaseNamesrv(_ context.Context, i int) error {
	n, err := c.namesrvAt(i)
	if err != nil {
		return err
	}
	n.proc.release()
	return nil
}

// Hold keeps the process of pod from being recreated after it exits,
// until Release: a kill then keeps it down.
func (c *Cluster) Hold(pod string) error {
	p, err := c.processOf(pod)
	if err != nil {
		return err
	}
	p.hold()
	return nil
}

// Release lets a held process be recreated.
func (c *Cluster) Release(pod string) error {
	p, err := c.processOf(pod)
	if err != nil {
		return err
	}
	p.release()
	return nil
}

// Freeze stops a process without ending it (SIGSTOP): it holds its
// connections and answers nothing, like a stalled JVM or a hung node. The
// supervisor sees no exit, so nothing recreates it; Thaw resumes it.
func (c *Cluster) Freeze(pod string) error {
	p, err := c.processOf(pod)
	if err != nil {
		return err
	}
	return p.signal(syscall.SIGSTOP)
}

// Thaw resumes a frozen process (SIGCONT).
func (c *Cluster) Thaw(pod string) error {
	p, err := c.processOf(pod)
	if err != nil {
		return err
	}
	return p.signal(syscall.SIGCONT)
}

// FreezeBroker implements target.Freezer with SIGSTOP: the JVM keeps
// its sockets open, and the kernel keeps accepting connections on them,
// while nothing answers; nothing recreates it, since it never exits.
func (c *Cluster) FreezeBroker(_ context.Context, b target.Broker) error { return c.Freeze(b.Pod) }

// ThawBroker implements target.Freezer with SIGCONT.
func (c *Cluster) ThawBroker(_ context.Context, b target.Broker) error { return c.Thaw(b.Pod) }

// processOf finds the process of a namesrv or broker pod.
func (c *Cluster) processOf(pod string) (*process, error) {
	for _, n := range c.namesrvList() {
		if n.proc.name == pod {
			return n.proc, nil
		}
	}
	b, err := c.findBroker(pod)
	if err != nil {
		return nil, err
	}
	return b.proc, nil
}

// clientSource is Abilities.Source: with ACL on, the suite's own
// clients dial from a loopback address outside the brokers' whitelist, so
// that, as from outside a pod network, every request they make must be
// signed. Without ACL they dial as any client.
func (c *Cluster) clientSource() string {
	if !c.manifest.Mode().ACL {
		return ""
	}
	return outsideWhitelist
}

// Credentials implements target.Target: the ACL account (generated, or
// WithACLAccount's), or empty strings when the brokers run without ACL, as
// the addon's do by default.
func (c *Cluster) Credentials() (string, string) { return c.acl.keys() }

// LogTail returns the end of a pod's logs, for reports.
func (c *Cluster) LogTail(pod string, lines int) string {
	if p, err := c.processOf(pod); err == nil {
		return p.logTail(lines)
	}
	return ""
}

// CollectLogs copies every process's logs into dst/<pod>/, for the
// diagnostics folder of a failed run. Each running JVM is first asked for a
// thread dump (SIGQUIT, which a JVM answers on its stdout and survives), so
// a broker that stopped doing something, such as registering, shows where
// its threads stand.
func (c *Cluster) CollectLogs(ctx context.Context, dst string) error {
	var procs []*process
	for _, n := range c.namesrvList() {
		procs = append(procs, n.proc)
	}
	for _, b := range c.brokers() {
		procs = append(procs, b.proc)
	}
	for _, w := range c.webApps() {
		procs = append(procs, w.proc)
	}
	for _, p := range procs {
		p.threadDump(ctx)
	}
	for _, p := range procs {
		for _, f := range []string{p.outLog, p.appLog, filepath.Join(p.dir, "store", "broker.conf")} {
			if err := copyFile(f, filepath.Join(dst, p.name, filepath.Base(f))); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// AwaitReady waits until every namesrv answers and every broker is
// registered in every namesrv and answers: the state Start returns in.
// Tests call it after a plant, before the next one runs.
func (c *Cluster) AwaitReady(ctx context.Context) error {
	for _, n := range c.namesrvList() {
		if err := c.awaitNamesrv(ctx, n); err != nil {
			return err
		}
	}
	for _, b := range c.brokers() {
		if err := c.awaitRegistered(ctx, b); err != nil {
			return err
		}
	}
	return nil
}
