package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/lifecycle"
)

// Options say what Build builds and where.
type Options struct {
	Layout Layout
	Tools  string // tools/images of the checkout (FindTools)
	// ExporterJar and DashboardJar are the real management jars; without
	// them the images hold stand-ins (StandInHeader).
	ExporterJar, DashboardJar string
	DebianMirror              string
	Nice                      bool // compile at nice 19
	Registry                  Registry
	// Dagger, when set, adds the pipeline's images: the Dagger engine and
	// CLI built from this source, the Go and Docker-in-Docker images, and
	// the engine started as Engine.
	Dagger   *DaggerSource
	Engine   EngineContainer
	Progress io.Writer
}

// Result is what a build made, and what `e2e` needs to use it.
type Result struct {
	NodeImage string   // pinned by digest, for --kind-node-image
	Mirror    string   // for --registry-mirror
	StandIns  []string // management components built as stand-ins
	Images    []string // every image pushed, by upstream name
	Pipeline  *Pipeline
}

// Pipeline is what `go run ./ci` needs to run offline on the engine the
// build started.
type Pipeline struct {
	CLI        string // the dagger CLI, for _EXPERIMENTAL_DAGGER_CLI_BIN
	RunnerHost string // for _EXPERIMENTAL_DAGGER_RUNNER_HOST
	Engine     string // the engine image
	GoImage    string // for --go-image
	DindImage  string // for --dind-image
	Mirror     string // for --registry-mirror, as the pipeline reaches it
	NodeImage  string // for --kind-node-image, as the pipeline reaches it
}

// build is the state the steps share.
type build struct {
	o    Options
	work string
	in   Inputs
	eng  Engine
	res  Result
	log  func(string, ...any)
}

// step is one step of Build, as kind's create actions are steps.
type step struct {
	name string
	run  func(*build, context.Context) (reused bool, err error)
}

var steps = []step{
	{"check this machine", (*build).preflight},
	{"Go binaries (Kubernetes, etcd, CoreDNS, crictl, local-path, registry, KubeBlocks, helm)", (*build).goBinaries},
	{"pause (gcc -static)", (*build).pause},
	{"RocketMQ jars, its scripts and the JMX exporter (Maven)", (*build).maven},
	{"kind's node files and kubeadm's image list", (*build).kindSources},
	{"busybox base (Debian's busybox-static)", (*build).busybox},
	{"Debian base (debootstrap)", (*build).debian},
	{"the exporter and dashboard jars", (*build).managementJars},
	{"component images", (*build).componentImages},
	{"kind node image", (*build).nodeImage},
	{"local registry, and push", (*build).push},
}

// pipelineSteps follow steps when the build has a dagger source.
var pipelineSteps = []step{
	{"Dagger engine and CLI (from the dagger source)", (*build).daggerBinaries},
	{"runc and the CNI plugins (Go module proxy)", (*build).engineBinaries},
	{"pipeline images (engine, Go, Docker-in-Docker), and push", (*build).pipelineImages},
	{"Dagger engine container", (*build).engineContainer},
}

// stepsFor is the build's list of steps.
func stepsFor(o Options) []step {
	if o.Dagger == nil {
		return steps
	}
	return append(append([]step(nil), steps...), pipelineSteps...)
}

// Build runs the steps, printing each with its time and whether it reused
// an earlier run's work, then the total time and the disk used.
func Build(ctx context.Context, o Options) (Result, error) {
	w := o.Progress
	if w == nil {
		w = io.Discard
	}
	b := &build{o: o, log: func(f string, a ...any) { fmt.Fprintf(w, "  "+f+"\n", a...) }}
	work, err := o.Layout.Work()
	if err != nil {
		return Result{}, err
	}
	b.work = work
	defer removeWork(work)
	start := time.Now()
	steps := stepsFor(o)
	for i, s := range steps {
		t0 := time.Now()
		fmt.Fprintf(w, "step %d/%d: %s (at %s)\n", i+1, len(steps), s.name, since(start))
		reused, err := s.run(b, ctx)
		if err != nil {
			fmt.Fprintf(w, "step %d/%d: failed after %s\n", i+1, len(steps), since(t0))
			return Result{}, fmt.Errorf("step %d/%d (%s): %w", i+1, len(steps), s.name, err)
		}
		how := "done"
		if reused {
			how = "reused"
		}
		fmt.Fprintf(w, "step %d/%d: %s in %s\n", i+1, len(steps), how, since(t0))
	}
	fmt.Fprintf(w, "image set ready in %s\n", since(start))
	b.disk(ctx, w)
	return b.res, nil
}

func since(t time.Time) time.Duration {
	d := time.Since(t)
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// needed are the commands the build runs, and where they come from.
var needed = map[string]string{
	"docker": "a Docker engine (apt-get install docker.io)", "debootstrap": "apt-get install debootstrap",
	"dpkg-deb": "dpkg", "apt-get": "apt", "chroot": "coreutils", "tar": "tar", "gcc": "apt-get install gcc libc6-dev",
	"mvn": "apt-get install maven", "javac": "a JDK (apt-get install openjdk-17-jdk-headless)",
	"jar": "a JDK (apt-get install openjdk-17-jdk-headless)", "nice": "coreutils",
}

func (b *build) preflight(ctx context.Context) (bool, error) {
	var missing []string
	for c, from := range needed {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c+" ("+from+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return false, fmt.Errorf("missing commands: %s", strings.Join(missing, ", "))
	}
	if os.Geteuid() != 0 {
		return false, errors.New("debootstrap and chroot need root: run the image build as root")
	}
	for flag, jar := range map[string]string{"--exporter-jar": b.o.ExporterJar, "--dashboard-jar": b.o.DashboardJar} {
		if jar == "" {
			continue
		}
		if fi, err := os.Stat(jar); err != nil || fi.IsDir() {
			return false, fmt.Errorf("%s %s: not a jar file", flag, jar)
		}
	}
	if _, err := docker(ctx, "info", "--format", "{{.ServerVersion}}"); err != nil {
		return false, fmt.Errorf("no Docker engine answers: %w", err)
	}
	// The node image is assembled in a privileged container, at the end:
	// say now, not after the compiles, that the engine cannot start one.
	if hint := lifecycle.RuntimeHint(ctx, lifecycle.DetectHost()); hint != "" {
		return false, errors.New(hint)
	}
	return false, nil
}

func (b *build) goBinaries(ctx context.Context) (bool, error) {
	b.in.Bins = binaries{}
	all := true
	for _, m := range goModules {
		t0 := time.Now()
		dir, reused, err := buildModule(ctx, b.o.Layout, b.o.Tools, m, b.o.Nice, b.log)
		if err != nil {
			return false, err
		}
		b.in.Bins[m.Dir] = dir
		all = all && reused
		if !reused {
			b.log("%s: %s", m.Dir, since(t0))
		}
	}
	v, err := moduleVersion(filepath.Join(b.o.Tools, "kubernetes"), "k8s.io/kubernetes")
	b.in.KubeTag = v
	return all, err
}

// removeWork removes the scratch folder, after unmounting what an
// interrupted debootstrap may have left mounted in it (proc, sys, dev):
// removing through a mounted /proc or /dev must never be tried.
func removeWork(dir string) {
	data, err := os.ReadFile("/proc/self/mounts")
	if err == nil {
		var under []string
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
				under = append(under, f[1])
			}
		}
		// Deepest first.
		sort.Sort(sort.Reverse(sort.StringSlice(under)))
		for _, m := range under {
			_ = exec.Command("umount", "-l", m).Run()
		}
		for _, m := range under {
			if still, _ := os.ReadFile("/proc/self/mounts"); strings.Contains(string(still), " "+m+" ") {
				fmt.Fprintf(os.Stderr, "images: %s is still mounted; leaving %s for you to remove\n", m, dir)
				return
			}
		}
	}
	os.RemoveAll(dir)
}
