package kube

import (
	"context"
	"fmt"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/target"
)

// Kill implements target.Target: delete the pod with grace period 0 and
// return once that incarnation is gone and its broker no longer answers.
// KubeBlocks recreates it on its PVC.
//
// The pod object goes at once, but the kubelet stops its containers in its
// own time (measured on kind: the old broker still answered 0.4 s after the
// delete returned); a case that reads "while the master is down" must not
// start before it is.
func (t *Target) Kill(ctx context.Context, b target.Broker) error {
	if err := t.deletePod(ctx, b.Pod); err != nil {
		return err
	}
	if b.Addr == "" {
		return nil
	}
	return awaitAddrDown(ctx, b.Addr, t.dialTimeout, killWait)
}

// RecreationAllowance is how much longer than on the local target a case
// may take per pod it waits to see recreated: KubeBlocks recreates a
// deleted pod at once, but scheduling, the init containers and the JVM's
// start take their time (on kind, on two cores: 87 to 94 s until a killed
// broker registered again, against about 5 s locally).
const RecreationAllowance = 150 * time.Second

// StartupAllowance is how long cluster/ready waits, by default, for
// KubeBlocks to bring a Cluster up: Running, every pod Ready, the role
// labels settled. On kind here a Cluster took 4.2 min from its creation
// (image pulls from a local registry included; the addon's own timers
// make 1.5 min of it: the brokers' readiness probe starts after 60 s and
// runs every 15 s, the role probe after 10 s and every 5 s); this is 2.4
// times that, for a loaded machine.
const StartupAllowance = 10 * time.Minute

// killWait bounds the wait for a killed broker to stop answering.
const killWait = 60 * time.Second

// awaitAddrDown waits until addr refuses, or does not answer within dial,
// a TCP connection, within limit. (A deleted pod's IP may drop packets
// rather than refuse them: no answer counts as down.)
func awaitAddrDown(ctx context.Context, addr string, dial, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	return wait.Until(ctx, 100*time.Millisecond, "the killed broker at "+addr+" to stop answering", func(ctx context.Context) (bool, string, error) {
		// The dial has its own timeout, not ctx's: one cut short by the
		// wait's deadline would say nothing of the broker.
		c, err := (&net.Dialer{Timeout: dial}).DialContext(context.WithoutCancel(ctx), "tcp", addr)
		if err != nil {
			return ctx.Err() == nil, "no answer before the deadline", nil
		}
		c.Close()
		return false, "it still accepts connections", nil
	})
}

func (t *Target) deletePod(ctx context.Context, name string) error {
	pods := t.cs.CoreV1().Pods(t.ns)
	p, err := pods.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get pod %s: %w", name, err)
	}
	zero := int64(0)
	uid := p.UID
	if err := pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}}); err != nil {
		return fmt.Errorf("delete pod %s: %w", name, err)
	}
	t.mu.Lock()
	t.killed[name] = uid
	t.mu.Unlock()
	return wait.Until(ctx, 200*time.Millisecond, "pod "+name+" ("+string(uid)+") to be gone", func(ctx context.Context) (bool, string, error) {
		cur, err := pods.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, wait.Reason(err), nil
		}
		return cur.UID != uid, "the old pod is still there", nil
	})
}

// awaitRecreated waits for a new incarnation of pod name that is Running
// and Ready and, for a broker, carries the role label ordinal implies.
func (t *Target) awaitRecreated(ctx context.Context, name, wantRole string) (*corev1.Pod, error) {
	t.mu.Lock()
	old := t.killed[name]
	t.mu.Unlock()
	var got *corev1.Pod
	err := wait.Until(ctx, 500*time.Millisecond, "pod "+name+" to be recreated, Running and Ready", func(ctx context.Context) (bool, string, error) {
		p, err := t.cs.CoreV1().Pods(t.ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, "not recreated yet", nil
		}
		if err != nil {
			return false, wait.Reason(err), nil
		}
		switch {
		case p.UID == old:
			return false, "still the killed incarnation", nil
		case p.Status.Phase != corev1.PodRunning || !ready(p):
			return false, fmt.Sprintf("new pod is %s, ready=%v", p.Status.Phase, ready(p)), nil
		case wantRole != "" && p.Labels[target.LabelRole] != wantRole:
			return false, fmt.Sprintf("role label %q, waiting for %q", p.Labels[target.LabelRole], wantRole), nil
		}
		got = p
		return true, "", nil
	})
	return got, err
}

func ready(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// AwaitBack implements target.Target: the pod is recreated, Ready, its
// role label settles to the one its ordinal gets (in DLedger mode, any:
// the group elects its leader, and the cases judge the role the broker
// returns with), and it is registered in every namesrv again. It never
// reports a broker back without seeing that registration: when the pod
// network cannot be reached, it says so.
//
// It waits RecreationAllowance (WithBackWithin) at most: a pod the platform does not bring
// back within it is the platform's fault, and the error (a *NotBack) says
// how the pod stands, so that the case fails the clause that needed it
// back, with that evidence, instead of running out its own timeout.
func (t *Target) AwaitBack(ctx context.Context, b target.Broker) error {
	bctx, cancel := context.WithTimeout(ctx, t.backWithin)
	defer cancel()
	return t.notBack(ctx, bctx, t.awaitBack(bctx, b), b.Pod, true)
}

func (t *Target) awaitBack(ctx context.Context, b target.Broker) error {
	role := "slave"
	switch {
	case t.topo.Mode.DLedger:
		role = ""
	case b.Ordinal == 0:
		role = "master"
	}
	p, err := t.awaitRecreated(ctx, b.Pod, role)
	if err != nil {
		return err
	}
	if err := t.AwaitStableRoles(ctx); err != nil {
		return err
	}
	if err := t.reachable(ctx); err != nil {
		return fmt.Errorf("pod %s is back, but its registration cannot be observed: %w", b.Pod, err)
	}
	addr := fmt.Sprintf("%s:%d", p.Status.PodIP, containerPort(p, "rocketmq-broker", "broker", 10911))
	return wait.Until(ctx, 500*time.Millisecond, b.Pod+" to register in every namesrv", func(ctx context.Context) (bool, string, error) {
		ns, err := t.Namesrvs(ctx)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		for _, n := range ns {
			ci, err := t.rc.ClusterInfo(ctx, n)
			if err != nil {
				return false, wait.Reason(err), nil
			}
			if !listed(ci.BrokerAddrTable[b.Shard].BrokerAddrs, addr) {
				return false, fmt.Sprintf("namesrv %s does not list %s at %s", n, b.Shard, addr), nil
			}
		}
		return true, "", nil
	})
}

// listed reports whether addr is among a shard's registered brokers, under
// any brokerId: a DLedger member registers under the id its role gives it
// (a returning leader comes back a follower), and a broker whose identity
// deviates must still count as back, so that the case judges the identity
// it returned with instead of timing out (the local target waits alike).
func listed(addrs map[int64]string, addr string) bool {
	for _, a := range addrs {
		if a == addr {
			return true
		}
	}
	return false
}

func (t *Target) namesrvPod(ctx context.Context, i int) (string, error) {
	pods, err := t.pods(ctx, "namesrv")
	if err != nil {
		return "", err
	}
	for _, p := range pods {
		if podOrdinal(p.Name) == i {
			return p.Name, nil
		}
	}
	return "", fmt.Errorf("no namesrv pod with ordinal %d among %d", i, len(pods))
}

// KillNamesrv implements target.Target.
func (t *Target) KillNamesrv(ctx context.Context, i int) error {
	name, err := t.namesrvPod(ctx, i)
	if err != nil {
		return err
	}
	return t.deletePod(ctx, name)
}

// AwaitNamesrvBack implements target.Target: the pod is recreated and
// Ready and the namesrv answers; when the pod network cannot be reached it
// says so rather than report a namesrv it never heard back.
//
// Like AwaitBack, it waits RecreationAllowance at most and then says how
// the pod stands.
func (t *Target) AwaitNamesrvBack(ctx context.Context, i int) error {
	name := fmt.Sprintf("%s-namesrv-%d", t.cluster, i)
	bctx, cancel := context.WithTimeout(ctx, t.backWithin)
	defer cancel()
	return t.notBack(ctx, bctx, t.awaitNamesrvBack(bctx, name), name, false)
}

func (t *Target) awaitNamesrvBack(ctx context.Context, name string) error {
	p, err := t.awaitRecreated(ctx, name, "")
	if err != nil {
		return err
	}
	if err := t.reachable(ctx); err != nil {
		return fmt.Errorf("namesrv pod %s is back, but cannot be asked whether it answers: %w", name, err)
	}
	addr := fmt.Sprintf("%s:%d", p.Status.PodIP, containerPort(p, "rocketmq-namesrv", "nameserver", 9876))
	return wait.Until(ctx, 500*time.Millisecond, "namesrv "+name+" to answer", func(ctx context.Context) (bool, string, error) {
		_, err := t.rc.ClusterInfo(ctx, addr)
		return err == nil, fmt.Sprint(err), nil
	})
}
