package images

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/rmqkb/conformance/internal/mirror"
)

// fakeEngine is an Engine whose every binary exists, with fake content.
func fakeEngine(t *testing.T) Engine {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{"dagger/dagger-engine", "dagger/dial-stdio", "dagger/dnsname", "dagger/dagger-init", "dagger/dagger",
		"runc/runc", "cni/bridge", "cni/loopback", "cni/firewall", "cni/host-local"} {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("binary "+p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Engine{Bins: filepath.Join(dir, "dagger"), Version: "v0.21.9", Runc: filepath.Join(dir, "runc"),
		CNI: filepath.Join(dir, "cni"), Base: "rmqkb.local/base/pipeline:x", Mirror: PipelineMirror()}
}

// The engine image has every binary where upstream's image puts it (the
// SDK's driver execs buildctl in it; the engine looks for runc,
// dagger-init and the CNI plugins by path), executable, the version as a
// label, /usr/bin before /usr/sbin, and the runner host the CLI inside it
// uses.
func TestEngineImageLayout(t *testing.T) {
	e := fakeEngine(t)
	r := engineRecipe(e)
	if r.Ref != "rmqkb.local/dagger-engine:v0.21.9" || r.Base != e.Base {
		t.Errorf("ref %q base %q", r.Ref, r.Base)
	}
	df, dir := rendered(t, r)
	for i, to := range []string{"/usr/local/bin/dagger-engine", "/usr/bin/dial-stdio", "/opt/cni/bin/dnsname", "/usr/local/bin/dagger-init",
		"/usr/local/bin/dagger", "/usr/local/bin/runc", "/etc/dagger/engine.toml", "/etc/dagger/engine.json", "/usr/local/bin/dagger-entrypoint.sh",
		"/opt/cni/bin/bridge", "/opt/cni/bin/loopback", "/opt/cni/bin/firewall", "/opt/cni/bin/host-local"} {
		name := fmt.Sprintf("f%d", i)
		if !strings.Contains(df, "COPY "+name+" "+to+"\n") {
			t.Errorf("Dockerfile lacks COPY %s %s:\n%s", name, to, df)
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if exec := fi.Mode()&0o111 != 0; exec != !strings.HasPrefix(to, "/etc/") {
			t.Errorf("%s: mode %v", to, fi.Mode())
		}
	}
	for _, w := range []string{"ln -s /usr/bin/dial-stdio /usr/bin/buildctl", "/usr/local/bin/tini", "xtables-legacy-multi", "mkdir -p /var/lib/dagger",
		`ENV PATH="/usr/local/sbin:/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin"`,
		`ENV _EXPERIMENTAL_DAGGER_RUNNER_HOST="unix:///run/dagger/engine.sock"`,
		`ENTRYPOINT ["/usr/local/bin/dagger-entrypoint.sh"]`,
		`LABEL org.opencontainers.image.version="v0.21.9"`} {
		if !strings.Contains(df, w) {
			t.Errorf("Dockerfile lacks %q:\n%s", w, df)
		}
	}
	entry, _ := os.ReadFile(filepath.Join(dir, "f8"))
	if !strings.Contains(string(entry), "exec tini -- dagger-engine --config /etc/dagger/engine.toml") {
		t.Errorf("entrypoint:\n%s", entry)
	}
}

// The engine pulls every upstream the image set serves, and the
// pipeline's own images, from the local registry under the path named for
// it, over plain HTTP: the layout `images` pushes.
func TestEngineRegistries(t *testing.T) {
	var cfg struct {
		Registries map[string]struct {
			Mirrors []string `json:"mirrors"`
			HTTP    bool     `json:"http"`
		} `json:"registries"`
	}
	if err := json.Unmarshal(engineJSON("registry.rmqkb.test:5000"), &cfg); err != nil {
		t.Fatal(err)
	}
	for _, up := range append(slices.Clone(mirror.Upstreams), "rmqkb.local") {
		got := cfg.Registries[up].Mirrors
		if want := []string{"registry.rmqkb.test:5000/" + up}; !slices.Equal(got, want) {
			t.Errorf("%s: mirrors %q, want %q", up, got, want)
		}
	}
	if !cfg.Registries["registry.rmqkb.test:5000"].HTTP {
		t.Error("the local registry is not spoken to over plain HTTP")
	}
	if len(cfg.Registries) != len(mirror.Upstreams)+2 {
		t.Errorf("registries %v", cfg.Registries)
	}
	// The engine's dnsmasq forwards no plain names: the mirror must be dotted.
	if host := strings.Split(PipelineMirror(), ":")[0]; !strings.Contains(host, ".") {
		t.Errorf("pipeline mirror host %q has no dot", host)
	}
}

// The pipeline's own images: Go laid out as the official image, from the
// toolchain module, made executable; the run step's image checked to be
// the Docker its name says.
func TestPipelineImageLayouts(t *testing.T) {
	tc := t.TempDir()
	g := goRecipe("rmqkb.local/base/debian:x", "1.26.8", tc)
	if g.Ref != "rmqkb.local/ci/golang:1.26.8-bookworm" {
		t.Errorf("go image %q", g.Ref)
	}
	df, _ := rendered(t, g)
	for _, w := range []string{"FROM rmqkb.local/base/debian:x\n", "COPY f0 /usr/local/go\n", "chmod a+x /usr/local/go/bin/* /usr/local/go/pkg/tool/*/*",
		`ENV GOPATH="/go"`, `ENV GOTOOLCHAIN="local"`, `ENV PATH="/go/bin:/usr/local/go/bin:`, "WORKDIR /go\n"} {
		if !strings.Contains(df, w) {
			t.Errorf("go image lacks %q:\n%s", w, df)
		}
	}
	if m := toolchainModule("1.26.8", "linux", "amd64"); m != "golang.org/toolchain@v0.0.1-go1.26.8.linux-amd64" {
		t.Errorf("toolchain module %q", m)
	}
	d := dindRecipe("rmqkb.local/base/pipeline:x")
	df, _ = rendered(t, d)
	if d.Ref != "rmqkb.local/ci/dind:20.10-bookworm" || !strings.Contains(df, "dockerd --version | grep -q ' 20\\.10\\.'") {
		t.Errorf("dind %q:\n%s", d.Ref, df)
	}
	df, _ = rendered(t, pipelineBaseRecipe("rmqkb.local/base/debian:abc"))
	for _, p := range []string{"docker.io", "git", "dnsmasq-base", "tini", "ripgrep", "sqlite3", "xz-utils", "openssh-client"} {
		if !strings.Contains(df, " "+p) {
			t.Errorf("pipeline base lacks %s:\n%s", p, df)
		}
	}
	if v, err := projectGoVersion(filepath.Join(repoRoot(t))); err != nil || strings.Count(v, ".") != 2 {
		t.Errorf("project Go version %q, %v", v, err)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	tools, err := FindTools(filepath.Dir(here))
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(filepath.Dir(tools))
}

// fakeDagger writes a dagger checkout's go.mod and go.sum (with the
// relative replacements upstream's has) and a module folder for each of
// mods; it returns the checkout and the replacements.
func fakeDagger(t *testing.T, mods ...string) (string, map[string]string) {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join(root, "dagger")
	gomod := "module github.com/dagger/dagger\n\ngo 1.26.1\n\nrequire (\n\tdagger.io/dagger v0.21.8\n"
	for _, m := range mods {
		v := "v0.0.6"
		if strings.HasSuffix(m, "/v2") {
			v = "v2.1.1"
		}
		gomod += "\t" + m + " " + v + "\n"
	}
	gomod += ")\n\nreplace dagger.io/dagger => ./sdk/go\n"
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(src, "go.mod"), gomod)
	write(filepath.Join(src, "go.sum"), "example.com/x v1.0.0 h1:abc=\n")
	repl := map[string]string{}
	for i, m := range mods {
		dir := filepath.Join(root, fmt.Sprintf("dep%d", i))
		write(filepath.Join(dir, "go.mod"), "module "+m+"\n\ngo 1.25.3\n")
		repl[m] = dir
	}
	return src, repl
}

// The build's go.mod is the checkout's with every replacement absolute
// and the user's added; the checkout is not written to.
func TestDaggerModFile(t *testing.T) {
	src, repl := fakeDagger(t, "github.com/vito/tuist", "github.com/vito/dang/v2")
	before, _ := os.ReadFile(filepath.Join(src, "go.mod"))
	work := t.TempDir()
	p, err := daggerModFile(DaggerSource{Dir: src, Replace: repl, Version: "v0.21.9"}, work)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	f, err := modfile.Parse(p, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range f.Replace {
		got[r.Old.Path] = r.New.Path
	}
	want := map[string]string{"dagger.io/dagger": filepath.Join(src, "sdk", "go"),
		"github.com/vito/tuist": repl["github.com/vito/tuist"], "github.com/vito/dang/v2": repl["github.com/vito/dang/v2"]}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("replace %s => %q, want %q", k, got[k], v)
		}
	}
	if sum, _ := os.ReadFile(filepath.Join(work, "dagger.sum")); string(sum) != "example.com/x v1.0.0 h1:abc=\n" {
		t.Errorf("dagger.sum %q", sum)
	}
	if after, _ := os.ReadFile(filepath.Join(src, "go.mod")); string(after) != string(before) {
		t.Error("the checkout's go.mod was changed")
	}
}

func TestCheckDaggerSource(t *testing.T) {
	src, repl := fakeDagger(t, "github.com/vito/tuist")
	ok := DaggerSource{Dir: src, Replace: repl, Version: "v0.21.9"}
	if err := CheckDaggerSource(ok); err != nil {
		t.Fatalf("a good source: %v", err)
	}
	other, otherRepl := fakeDagger(t, "github.com/vito/midterm")
	for _, tc := range []struct {
		name string
		s    DaggerSource
		want string
	}{
		{"no checkout", DaggerSource{Dir: t.TempDir(), Version: "v0.21.9"}, "--dagger-source"},
		{"another module", DaggerSource{Dir: otherRepl["github.com/vito/midterm"], Version: "v0.21.9"}, "expected a checkout of github.com/dagger/dagger"},
		{"wrong folder", DaggerSource{Dir: src, Replace: map[string]string{"github.com/vito/tuist": otherRepl["github.com/vito/midterm"]}, Version: "v0.21.9"},
			`declares "github.com/vito/midterm", expected github.com/vito/tuist`},
		{"not required", DaggerSource{Dir: other, Replace: repl, Version: "v0.21.9"}, "does not require github.com/vito/tuist"},
		{"bad version", DaggerSource{Dir: src, Version: "0.21.9"}, "--dagger-version"},
	} {
		if err := CheckDaggerSource(tc.s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// A rerun reuses the build only while the sources are the same: the hash
// follows a file's content, not the time or place it is read from.
func TestSourceHashFollowsTheSources(t *testing.T) {
	src, repl := fakeDagger(t, "github.com/vito/tuist")
	dirs := []string{src, repl["github.com/vito/tuist"]}
	a, err := sourceHash([]string{"v0.21.9"}, dirs...)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := sourceHash([]string{"v0.21.9"}, dirs...); b != a {
		t.Errorf("same sources, hashes %s and %s", a, b)
	}
	if err := os.MkdirAll(filepath.Join(src, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, ".git", "HEAD"), []byte("ref"), 0o644)
	if b, _ := sourceHash([]string{"v0.21.9"}, dirs...); b != a {
		t.Error(".git changed the hash")
	}
	if b, _ := sourceHash([]string{"v0.21.10"}, dirs...); b == a {
		t.Error("the version did not change the hash")
	}
	os.WriteFile(filepath.Join(dirs[1], "x.go"), []byte("package x"), 0o644)
	if b, _ := sourceHash([]string{"v0.21.9"}, dirs...); b == a {
		t.Error("a new file in a replacement did not change the hash")
	}
}
