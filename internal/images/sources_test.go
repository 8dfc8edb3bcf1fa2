package images

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/mod/modfile"

	"github.com/rmqkb/conformance/internal/gomod"
	"github.com/rmqkb/conformance/scenarios"
)

// TestKindStorageFromItsSource reads kind's own manifest and image names
// from the module this program links.
func TestKindStorageFromItsSource(t *testing.T) {
	dir, err := gomod.Dir(kindModule())
	if err != nil {
		t.Fatal(err)
	}
	s, err := KindStorage(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []string{s.ProvisionerImage, s.HelperImage} {
		if !strings.HasPrefix(img, "docker.io/kindest/local-path-") || !strings.Contains(s.Manifest, "image: "+img) {
			t.Errorf("image %q: want a kindest local-path image that the manifest names", img)
		}
	}
	if !strings.Contains(s.Manifest, "kind: StorageClass") {
		t.Errorf("manifest lacks the StorageClass:\n%s", s.Manifest)
	}
	if _, err := readKindConstants(dir, "noSuchConstant"); err == nil {
		t.Error("a constant that is not there must be an error")
	}
}

// TestPodnetManifest: the DaemonSet kind patches (its first container must
// have an env list for CONTROL_PLANE_ENDPOINT) and the script bash parses.
func TestPodnetManifest(t *testing.T) {
	d := yaml.NewDecoder(strings.NewReader(podnetManifest))
	kinds := map[string]bool{}
	for {
		var obj struct {
			Kind string
			Spec struct {
				Template struct {
					Spec struct {
						HostNetwork bool `yaml:"hostNetwork"`
						Containers  []struct {
							Image string
							Env   []map[string]any
						}
					}
				}
			}
		}
		if err := d.Decode(&obj); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		kinds[obj.Kind] = true
		if obj.Kind == "DaemonSet" {
			c := obj.Spec.Template.Spec.Containers
			if !obj.Spec.Template.Spec.HostNetwork || len(c) != 1 || c[0].Image != podnetImage || len(c[0].Env) == 0 {
				t.Errorf("DaemonSet %+v", obj.Spec.Template.Spec)
			}
		}
	}
	for _, k := range []string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet"} {
		if !kinds[k] {
			t.Errorf("no %s", k)
		}
	}
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = strings.NewReader(podnetScript)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v: %s", err, out)
	}
}

// TestWrapperModulesMatchTheBuild: every module the build names is a
// folder under tools/images whose go.mod requires what the build pins and
// whose tools.go imports the packages it builds, so a version bump in one
// place cannot silently build another.
func TestWrapperModulesMatchTheBuild(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	tools, err := FindTools(filepath.Dir(here))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range goModules {
		v, err := moduleVersion(filepath.Join(tools, m.Dir), m.Pins)
		if err != nil || !strings.HasPrefix(v, "v") {
			t.Errorf("%s: version %q, %v", m.Dir, v, err)
		}
		data, err := os.ReadFile(filepath.Join(tools, m.Dir, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		if f, err := modfile.Parse("go.mod", data, nil); err != nil || !strings.HasPrefix(f.Module.Mod.Path, "github.com/rmqkb/conformance/tools/images/") {
			t.Errorf("%s: go.mod %v", m.Dir, err)
		}
		if _, err := os.Stat(filepath.Join(tools, m.Dir, "go.sum")); err != nil {
			t.Errorf("%s: %v: a build with -mod=readonly needs go.sum", m.Dir, err)
		}
		src, _ := os.ReadFile(filepath.Join(tools, m.Dir, "tools.go"))
		for _, p := range m.Pkgs {
			if !strings.HasPrefix(p, "./") && !bytes.Contains(src, []byte(`"`+p+`"`)) {
				t.Errorf("%s: tools.go does not pin %s", m.Dir, p)
			}
			if strings.HasPrefix(p, "./") {
				if _, err := os.Stat(filepath.Join(tools, m.Dir, p)); err != nil {
					t.Errorf("%s: %v", m.Dir, err)
				}
			}
		}
	}
	if got := kubeVersionFlags("v1.37.2"); !strings.Contains(got, "k8s.io/component-base/version.gitVersion=v1.37.2") || !strings.Contains(got, "gitMinor=37") {
		t.Errorf("kube version flags %q", got)
	}
}

// TestStandInAnswersWithItsMark builds the stand-in jar with the JDK and
// runs it: every path answers 503 with StandInHeader naming the role.
func TestStandInAnswersWithItsMark(t *testing.T) {
	for _, tool := range []string{"javac", "jar", "java"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s on PATH", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	exporter, dashboard, err := buildStandIns(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for role, jar := range map[string]string{"exporter": exporter, "dashboard": dashboard} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.CommandContext(ctx, "java", fmt.Sprintf("-Dstandin.port=%d", port), "-jar", jar)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var resp *http.Response
		for ctx.Err() == nil {
			if resp, err = http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port)); err == nil {
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
		var body []byte
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		cmd.Process.Kill()
		cmd.Wait()
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get(StandInHeader) != role ||
			!strings.Contains(string(body), "--"+role+"-jar") {
			t.Errorf("%s: %s %v %q", role, resp.Status, resp.Header, body)
		}
	}
}

func TestImageName(t *testing.T) {
	for ref, want := range map[string]string{
		"registry.k8s.io/coredns/coredns:v1.14.6": "coredns", "registry.k8s.io/etcd:3.7.0-0": "etcd",
		"kindest/node:v1.37.2@sha256:abc": "node", "busybox": "busybox",
	} {
		if got := imageName(ref); got != want {
			t.Errorf("%s: %s, want %s", ref, got, want)
		}
	}
	if !slices.Contains(debianPackages, "openjdk-17-jre-headless") || !slices.Contains(debianPackages, "containerd") {
		t.Error("the Debian base must carry the JRE and containerd")
	}
}

// TestStandInHeaderIsTheOneCasesLookFor: the stand-in's mark and the
// management cases' check must agree.
func TestStandInHeaderIsTheOneCasesLookFor(t *testing.T) {
	if StandInHeader != scenarios.StandInHeader {
		t.Errorf("images.StandInHeader %q, scenarios.StandInHeader %q", StandInHeader, scenarios.StandInHeader)
	}
}
