package cli

import (
	"strings"
	"testing"
	"time"
)

func kubeArgs(t *testing.T, ns string) []string {
	if api == nil {
		t.Skip("no control plane (set KUBEBUILDER_ASSETS or run without -short)")
	}
	api.LoadFixtures(t, ns, "")
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
		if st != "passed" {
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
	start := time.Now()
	code, out := run(t, append(args, "--reports", reports)...)
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("the run took %s; unreachable pods must not make cases hang", d)
	}
	if code != ExitSetup {
		t.Fatalf("exit %d, want 2 (RocketMQ cases errored):\n%s", code, out)
	}
	for id, st := range caseStatus(t, reports) {
		rocketmq := !strings.HasPrefix(id, "layout/") && !strings.HasPrefix(id, "accounts/") && id != "setup/target"
		if rocketmq && (!strings.HasPrefix(st, "errored:") || !strings.Contains(st, "--in-cluster")) {
			t.Errorf("%s: %.200s", id, st)
		}
		if !rocketmq && st != "passed" {
			t.Errorf("%s: %s", id, st)
		}
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
