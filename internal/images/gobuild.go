package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/rmqkb/conformance/internal/gomod"
)

// goModule is one wrapper module under tools/images: a go.mod that pins
// the upstream module (whose version keys the build) and the main packages
// built from it. Wrappers exist because most of these modules carry replace
// directives, which `go install mod@version` refuses.
type goModule struct {
	Dir     string   // folder under tools/images
	Pins    string   // the upstream module whose version is the build's
	Pkgs    []string // main packages, built into one folder
	LDFlags func(version string) string
	// CGO builds with cgo (runc's nsenter is C) and Tags are its build
	// tags; the rest build static with cgo off.
	CGO  bool
	Tags string
}

// kubeVersionFlags are the version variables Kubernetes' own build sets;
// kubeadm refuses to run a control plane whose version it cannot parse.
func kubeVersionFlags(v string) string {
	minor := strings.Split(strings.TrimPrefix(v, "v"), ".")[1]
	var b strings.Builder
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		fmt.Fprintf(&b, " -X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s -X %s.gitTreeState=clean -X %s.buildDate=1970-01-01T00:00:00Z",
			pkg, v, pkg, pkg, minor, pkg, pkg)
	}
	return b.String()
}

func xFlag(variable string) func(string) string {
	return func(v string) string { return " -X " + variable + "=" + v }
}

// goModules are the binaries of the image set.
var goModules = []goModule{
	{Dir: "kubernetes", Pins: "k8s.io/kubernetes", LDFlags: kubeVersionFlags, Pkgs: []string{
		"k8s.io/kubernetes/cmd/kubelet", "k8s.io/kubernetes/cmd/kubeadm", "k8s.io/kubernetes/cmd/kubectl",
		"k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager",
		"k8s.io/kubernetes/cmd/kube-scheduler", "k8s.io/kubernetes/cmd/kube-proxy",
	}},
	{Dir: "etcd", Pins: "go.etcd.io/etcd/server/v3", Pkgs: []string{"./cmd/etcd"}},
	{Dir: "coredns", Pins: "github.com/coredns/coredns", Pkgs: []string{"github.com/coredns/coredns"}},
	{Dir: "crictl", Pins: "sigs.k8s.io/cri-tools", LDFlags: xFlag("sigs.k8s.io/cri-tools/pkg/version.Version"),
		Pkgs: []string{"sigs.k8s.io/cri-tools/cmd/crictl"}},
	{Dir: "localpath", Pins: "github.com/rancher/local-path-provisioner", LDFlags: xFlag("main.VERSION"),
		Pkgs: []string{"github.com/rancher/local-path-provisioner"}},
	{Dir: "registry", Pins: "github.com/distribution/distribution/v3", LDFlags: xFlag("github.com/distribution/distribution/v3/version.version"),
		Pkgs: []string{"github.com/distribution/distribution/v3/cmd/registry"}},
	{Dir: "kubeblocks", Pins: "github.com/apecloud/kubeblocks", LDFlags: xFlag("github.com/apecloud/kubeblocks/version.Version"), Pkgs: []string{
		"github.com/apecloud/kubeblocks/cmd/manager", "github.com/apecloud/kubeblocks/cmd/kbagent",
		"github.com/apecloud/kubeblocks/cmd/dataprotection", "github.com/apecloud/kubeblocks/cmd/reloader",
	}},
	{Dir: "helm", Pins: "helm.sh/helm/v3", LDFlags: xFlag("helm.sh/helm/v3/internal/version.version"),
		Pkgs: []string{"helm.sh/helm/v3/cmd/helm"}},
}

// engineModules are the binaries the Dagger engine image takes from the Go
// module proxy rather than from the dagger source, at the versions
// upstream's engine image pins (toolchains/engine-dev/consts of the dagger
// repository): runc, static with seccomp, as its builder makes it, and the
// CNI plugins its network setup calls.
var engineModules = []goModule{
	{Dir: "runc", Pins: "github.com/opencontainers/runc", CGO: true, Tags: "seccomp netgo osusergo",
		LDFlags: func(v string) string { return " -X main.version=" + v + " -linkmode external -extldflags -static" },
		Pkgs:    []string{"github.com/opencontainers/runc"}},
	{Dir: "cniplugins", Pins: "github.com/containernetworking/plugins", Pkgs: []string{
		"github.com/containernetworking/plugins/plugins/main/bridge", "github.com/containernetworking/plugins/plugins/main/loopback",
		"github.com/containernetworking/plugins/plugins/meta/firewall", "github.com/containernetworking/plugins/plugins/ipam/host-local",
	}},
}

// binaries maps a module's folder to where its built binaries are.
type binaries map[string]string

// path is the binary name of module dir, built.
func (b binaries) path(dir, name string) string { return filepath.Join(b[dir], name) }

// moduleVersion reads the version of pins that go.mod in dir requires.
func moduleVersion(dir, pins string) (string, error) {
	path := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	f, err := modfile.ParseLax(path, data, nil)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	for _, r := range f.Require {
		if r.Mod.Path == pins {
			return r.Mod.Version, nil
		}
	}
	return "", fmt.Errorf("%s requires no %s", path, pins)
}

// builtStamp marks a complete build; a folder without it is rebuilt.
const builtStamp = ".built"

// buildModule builds m's binaries into the layout, unless a complete build
// of the same version is there. It returns the folder and whether it
// reused one.
func buildModule(ctx context.Context, l Layout, tools string, m goModule, nice bool, log func(string, ...any)) (string, bool, error) {
	modDir := filepath.Join(tools, m.Dir)
	v, err := moduleVersion(modDir, m.Pins)
	if err != nil {
		return "", false, err
	}
	out := l.Bin(m.Dir, v)
	if _, err := os.Stat(filepath.Join(out, builtStamp)); err == nil {
		return out, true, nil
	}
	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return "", false, err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", false, err
	}
	ldflags := "-s -w"
	if m.LDFlags != nil {
		ldflags += m.LDFlags(v)
	}
	args := []string{"build", "-trimpath", "-buildvcs=false", "-mod=readonly", "-ldflags=" + ldflags}
	if m.Tags != "" {
		args = append(args, "-tags", m.Tags)
	}
	args = append(append(args, "-o", tmp+"/"), m.Pkgs...)
	cgo := "CGO_ENABLED=0"
	if m.CGO {
		cgo = "CGO_ENABLED=1"
	}
	log("go build %s %s (%d packages' commands)", m.Pins, v, len(m.Pkgs))
	start := time.Now()
	if err := goBuild(ctx, modDir, nice, []string{cgo}, args...); err != nil {
		return "", false, err
	}
	if err := finishBuild(tmp, out, v); err != nil {
		return "", false, err
	}
	log("built in %s", time.Since(start).Round(time.Second))
	return out, false, nil
}

// goBuild runs the go command in dir with env added to this process's,
// outside any workspace, at nice 19 if asked.
func goBuild(ctx context.Context, dir string, nice bool, env []string, args ...string) error {
	goBin, err := gomod.Command()
	if err != nil {
		return err
	}
	argv := append([]string{goBin}, args...)
	if nice {
		argv = append([]string{"nice", "-n", "19"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOWORK=off", "GOFLAGS="), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("go %s in %s: %w: %s", args[0], dir, err, lastLines(string(out), 20))
	}
	return nil
}

// finishBuild stamps the build in tmp as complete and moves it to out,
// replacing whatever was there: a folder without the stamp is never taken
// as built.
func finishBuild(tmp, out, stamp string) error {
	if err := os.WriteFile(filepath.Join(tmp, builtStamp), []byte(stamp+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// FindTools finds tools/images of the project checkout, from dir upwards.
func FindTools(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "tools", "images")
		if _, err := os.Stat(filepath.Join(p, "kubernetes", "go.mod")); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no tools/images folder here or above: run the image build from the project's checkout")
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
