package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/testenv"
	"github.com/rmqkb/conformance/verdict"
)

func kubeArgs(t *testing.T, ns string) []string { return kubeArgsOn(t, ns, "") }

// kubeArgsOn loads the fixtures with deviation into ns and returns the
// arguments of a run against them.
func kubeArgsOn(t *testing.T, ns, deviation string) []string {
	api := testenv.SharedAPIServer(t)
	api.LoadFixtures(t, ns, deviation)
	return []string{"run", "--target", "kube", "--kubeconfig", api.Kubeconfig(t), "--namespace", ns, "--cluster", "rocketmq-cluster", "--role-settle", "200ms"}
}

// TestKubeTargetObjectCases: the layout and accounts cases pass on the
// conforming objects through the command line, and nothing it writes holds
// a password.
func TestKubeTargetObjectCases(t *testing.T) {
	args := kubeArgs(t, "cli-objects")
	_, reports := sandbox(t)
	code, out := run(t, append(args, "--run", "^(layout|accounts)/", "--reports", reports)...)
	if code != ExitPassed {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for id, st := range caseStatus(t, reports) {
		if st != "passed" && !(skippedOnDefaultKube(t, id) && strings.HasPrefix(st, "skipped:")) {
			t.Errorf("%s: %s", id, st)
		}
	}
	assertNoSecret(t, out, reports)
}

// TestKubeTargetUnreachablePods: run from outside the pod network, every
// RocketMQ case ends within seconds, naming the ways out; exit 2.
func TestKubeTargetUnreachablePods(t *testing.T) {
	args := kubeArgs(t, "cli-unreachable")
	_, reports := sandbox(t)
	// Unreachable pods must not make cases hang: a case the run's timeout
	// cuts says so, not the ways out.
	code, out := run(t, append(args, "--reports", reports, "--timeout", "2m")...)
	if code != ExitSetup {
		t.Fatalf("exit %d, want 2 (RocketMQ cases errored):\n%s", code, out)
	}
	for id, st := range caseStatus(t, reports) {
		if skippedOnDefaultKube(t, id) {
			if !strings.HasPrefix(st, "skipped:") {
				t.Errorf("%s: %.200s; want skipped", id, st)
			}
			continue
		}
		rocketmq := !objectCase(t, id)
		if rocketmq && (!strings.HasPrefix(st, "errored:") || !strings.Contains(st, "--in-cluster")) {
			t.Errorf("%s: %.200s", id, st)
		}
		if !rocketmq && st != "passed" {
			t.Errorf("%s: %s", id, st)
		}
	}
	assertNoSecret(t, out, reports)
}

// TestKubeTargetRedactsWhatItCollects: an event quoting a password is
// collected into diagnostics/ of a failing run and redacted there, through
// the kube target's real collection; accounts/no-leak, judged on the files
// as written, passes; the exit code is the failed case's.
func TestKubeTargetRedactsWhatItCollects(t *testing.T) {
	const ns = "cli-redact"
	args := kubeArgsOn(t, ns, "broker-clusterip")
	cs := kubernetes.NewForConfigOrDie(testenv.SharedAPIServer(t).Config)
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "planted", Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "rocketmq-cluster-broker-d4p-0"},
		Reason:         "Planted", Type: corev1.EventTypeWarning,
		Message: "container env ROCKETMQ_PASSWORD=" + testenv.PlantedPasswords[0],
	}
	if _, err := cs.CoreV1().Events(ns).Create(context.Background(), ev, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, reports := sandbox(t)
	code, out := run(t, append(args, "--run", "^(layout/services|accounts/no-leak)$", "--reports", reports)...)
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1 (layout/services fails on this fixture):\n%s", code, out)
	}
	st := caseStatus(t, reports)
	if st["accounts/no-leak"] != "passed" || !strings.HasPrefix(st["layout/services"], "failed:") {
		t.Errorf("no-leak %q, services %.100q", st["accounts/no-leak"], st["layout/services"])
	}
	events, err := os.ReadFile(filepath.Join(reports, "diagnostics", "events.yaml"))
	if err != nil || !strings.Contains(string(events), "ROCKETMQ_PASSWORD=[secret value redacted]") {
		t.Errorf("diagnostics/events.yaml does not hold the planted event, redacted: %v", err)
	}
	assertNoSecret(t, out, reports)
}

func TestKubeTargetBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"run", "--target", "kube", "--kubeconfig", "/nonexistent/kc"}, "--kubeconfig /nonexistent/kc"},
		{[]string{"run", "--target", "kube", "--kubeconfig", "x", "--in-cluster"}, "exclude each other"},
		{[]string{"run", "--target", "kube", "--keep"}, "--keep, --*-config"},
		{[]string{"run", "--kubeconfig", "x"}, "go with --target kube"},
	} {
		_, reports := sandbox(t)
		code, out := run(t, append(tc.args, "--reports", reports)...)
		if code != ExitSetup || !strings.Contains(out, tc.say) {
			t.Errorf("%v: exit %d:\n%s\nwant 2 and %q", tc.args, code, out, tc.say)
		}
	}
}

// caseByID finds a case of the contract; setup/target is none.
func caseByID(t *testing.T, id string) (scenarios.Case, bool) {
	t.Helper()
	for _, c := range scenarios.All() {
		if c.ID() == id {
			return c, true
		}
	}
	if id != "setup/target" {
		t.Fatalf("no case %s", id)
	}
	return scenarios.Case{}, false
}

// objectCase says whether a case judges Kubernetes objects only, with no
// broker to talk to (or is setup/target).
func objectCase(t *testing.T, id string) bool {
	c, ok := caseByID(t, id)
	return !ok || (c.Suite == "cluster" || c.Suite == "layout" || c.Suite == "accounts") && !slices.Contains(c.Needs, verdict.Messaging)
}

// skippedOnDefaultKube says whether a case is skipped, whatever the pods,
// on a default-mode kube Cluster in the quick profile: it belongs to a
// mode, is slow, or needs a namesrv kept down.
func skippedOnDefaultKube(t *testing.T, id string) bool {
	c, ok := caseByID(t, id)
	return ok && (c.OnlyIn != (scenarios.Mode{}) || c.Slow || slices.Contains(c.Needs, verdict.HoldDown))
}

// TestKubeTargetNotReady: what KubeBlocks and the addon must make of the
// Cluster, and do not, is a failed clause of cluster/ready within the
// startup bound, exit 1, never a setup error after the run's timeout: a
// Cluster that never reaches Running, a broker pod without a role label,
// a container crash-looping. The cases that need a live cluster are not
// judged and name the clauses they waited on; the object cases are judged.
func TestKubeTargetNotReady(t *testing.T) {
	for _, tc := range []struct{ deviation, clause, says string }{
		{"cluster-not-running", "cluster/ready#running", `Cluster rocketmq-cluster is "Updating"`},
		{"role-label-missing", "cluster/ready#roles-labelled", "no role label on rocketmq-cluster-broker-x7k-1"},
		{"component-not-running", "cluster/ready#no-crash-loop", "crash-looping rocketmq-cluster-broker-x7k-1/rocketmq-broker"},
	} {
		t.Run(tc.deviation, func(t *testing.T) {
			args := kubeArgsOn(t, "cli-notready-"+tc.deviation, tc.deviation)
			_, reports := sandbox(t)
			// The selection lacks cluster/ready: a case that needs a live
			// cluster brings its gate along.
			code, out := run(t, append(args, "--ready-within", "2s", "--run", "^(messaging/round-trip|layout/services)$", "--reports", reports)...)
			if code != ExitFailed {
				t.Fatalf("exit %d, want 1:\n%s", code, out)
			}
			st := caseStatus(t, reports)
			if got := st["cluster/ready"]; !strings.HasPrefix(got, "failed:") || !strings.Contains(got, tc.clause) || !strings.Contains(got, tc.says) {
				t.Errorf("cluster/ready: %.600s; want failed %s saying %q", got, tc.clause, tc.says)
			}
			if got := st["messaging/round-trip"]; !strings.HasPrefix(got, "skipped:") || !strings.Contains(got, "not judged") || !strings.Contains(got, tc.clause) {
				t.Errorf("messaging/round-trip: %.300s; want skipped, naming %s", got, tc.clause)
			}
			for _, id := range []string{"setup/target", "layout/services"} {
				if st[id] != "passed" {
					t.Errorf("%s: %.300s", id, st[id])
				}
			}
		})
	}
}

// TestKubeTargetTopologyUnsettled: layout/topology waits for a live
// Cluster that is still changing (here within the startup allowance, 3 s)
// and, when it does not settle, fails cluster-running saying how long it
// waited; the clauses the Cluster meets hold, exit 1.
func TestKubeTargetTopologyUnsettled(t *testing.T) {
	args := kubeArgsOn(t, "cli-unsettled", "cluster-not-running")
	_, reports := sandbox(t)
	code, out := run(t, append(args, "--ready-within", "3s", "--run", "^layout/topology$", "--reports", reports)...)
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	got := caseStatus(t, reports)["layout/topology"]
	for _, want := range []string{"layout/topology#cluster-running", `"Updating" after waiting 3s for it to settle`} {
		if !strings.HasPrefix(got, "failed:") || !strings.Contains(got, want) {
			t.Errorf("layout/topology: %.600s; want failed, saying %q", got, want)
		}
	}
	if strings.Contains(got, "#components-running") || strings.Contains(got, "#pods-ready") {
		t.Errorf("layout/topology: %.600s; want only cluster-running failed", got)
	}
}
