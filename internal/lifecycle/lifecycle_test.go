package lifecycle

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name, ip string, cidrs ...string) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	n.Spec.PodCIDRs = cidrs
	if len(cidrs) > 0 {
		n.Spec.PodCIDR = cidrs[0]
	}
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: name}, {Type: corev1.NodeInternalIP, Address: ip}}
	return n
}

func TestRoutes(t *testing.T) {
	rs, err := Routes([]corev1.Node{
		node("kind-worker", "172.18.0.3", "10.244.1.0/24"),
		node("kind-control-plane", "172.18.0.2", "10.244.0.0/24", "fd00:10:244::/64"),
		node("no-cidr-yet", "172.18.0.4"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Route{{"10.244.0.0/24", "172.18.0.2", "kind-control-plane"}, {"10.244.1.0/24", "172.18.0.3", "kind-worker"}}
	if len(rs) != len(want) || rs[0] != want[0] || rs[1] != want[1] {
		t.Errorf("Routes = %v, want %v", rs, want)
	}
	if _, err := Routes([]corev1.Node{node("x", "fd00::1", "10.244.2.0/24")}); err == nil {
		t.Error("a pod CIDR without an IPv4 node IP must be an error")
	}
	if _, err := Routes([]corev1.Node{node("x", "1.2.3.4", "not-a-cidr")}); err == nil {
		t.Error("a bad CIDR must be an error")
	}
}

func TestAddAndRemoveRoutes(t *testing.T) {
	var calls []string
	ip := func(_ context.Context, args ...string) error {
		calls = append(calls, strings.Join(args, " "))
		if args[2] == "10.9.0.0/24" {
			return errors.New("Operation not permitted")
		}
		return nil
	}
	added, err := addRoutes(context.Background(), ip, []Route{{"10.244.0.0/24", "172.18.0.2", "a"}, {"10.9.0.0/24", "172.18.0.9", "b"}})
	if err == nil || !strings.Contains(err.Error(), "CAP_NET_ADMIN") || len(added) != 1 {
		t.Fatalf("added %v, err %v: want the first added and an error naming the privilege", added, err)
	}
	if err := removeRoutes(context.Background(), ip, added); err != nil {
		t.Fatal(err)
	}
	want := []string{"route replace 10.244.0.0/24 via 172.18.0.2", "route replace 10.9.0.0/24 via 172.18.0.9", "route del 10.244.0.0/24 via 172.18.0.2"}
	if strings.Join(calls, "|") != strings.Join(want, "|") {
		t.Errorf("ip calls %v, want %v", calls, want)
	}
}

// stubDocker puts a docker that prints msg and exits code first on PATH.
func stubDocker(t *testing.T, script string) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestPreflightFailsFastWithoutAnEngine(t *testing.T) {
	stubDocker(t, `echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := Preflight(ctx, testImage)
	if !errors.Is(err, ErrNoEngine) || !strings.Contains(err.Error(), "Cannot connect to the Docker daemon") || !strings.Contains(err.Error(), "go run ./ci") {
		t.Fatalf("got %v; want ErrNoEngine naming docker's complaint and the way out", err)
	}
}

func TestPreflightNoDockerCLI(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if err := Preflight(context.Background(), testImage); !errors.Is(err, ErrNoEngine) || !strings.Contains(err.Error(), "not on PATH") {
		t.Fatalf("got %v", err)
	}
}

func TestPreflightEngineAnswers(t *testing.T) {
	stubDocker(t, `echo 28.2.2`)
	if err := Preflight(context.Background(), testImage); err != nil {
		t.Fatalf("an engine that answers: %v", err)
	}
}

// TestPreflightNamesAnEngineThatCannotRunPrivileged: on a host whose
// bounding set lacks a capability --privileged asks for, runc fails deep in
// kind's create; the preflight says so in one line, with the way out.
func TestPreflightNamesAnEngineThatCannotRunPrivileged(t *testing.T) {
	stubDocker(t, `case "$1" in
info) echo 20.10.24 ;;
image) exit 0 ;;
run) echo "docker: Error response from daemon: failed to create shim: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown." >&2; exit 126 ;;
esac`)
	err := Preflight(context.Background(), testImage)
	if !errors.Is(err, ErrNoPrivileged) || !strings.Contains(err.Error(), "scripts/runc-nosysres") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v; want one line naming the runtime wrapper", err)
	}
}

// TestPreflightLeavesAnAbsentNodeImageToKind: the privileged check runs on
// the node image only when the engine has it; pulling is kind's.
func TestPreflightLeavesAnAbsentNodeImageToKind(t *testing.T) {
	stubDocker(t, `case "$1" in
info) echo 20.10.24 ;;
image) echo "Error: No such image" >&2; exit 1 ;;
*) echo "unexpected docker $*" >&2; exit 3 ;;
esac`)
	if err := Preflight(context.Background(), testImage); err != nil {
		t.Fatalf("got %v", err)
	}
}

// TestRuntimeHint: without CAP_SYS_RESOURCE, an engine running runc itself
// is named before anything runs; one with another default runtime (the
// wrapper), or a host with the capability, gets no hint.
func TestRuntimeHint(t *testing.T) {
	stubDocker(t, `echo runc`)
	if h := RuntimeHint(context.Background(), Host{NoSysResource: true}); !strings.Contains(h, "runc-nosysres") || strings.Contains(h, "\n") {
		t.Errorf("hint %q, want one line naming the wrapper", h)
	}
	if h := RuntimeHint(context.Background(), Host{}); h != "" {
		t.Errorf("a host with every capability got %q", h)
	}
	stubDocker(t, `echo nosysres`)
	if h := RuntimeHint(context.Background(), Host{NoSysResource: true}); h != "" {
		t.Errorf("an engine with another runtime got %q", h)
	}
}
