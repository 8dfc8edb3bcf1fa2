package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rmqkb/conformance/internal/dist"

	"github.com/rmqkb/conformance/internal/usage"

	"github.com/rmqkb/conformance/internal/images"
	"github.com/rmqkb/conformance/manifests"
)

// imagesCommand builds the offline image set into a local registry
// (`images`), or stops that registry (`images stop`; its storage stays).
func imagesCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	stop := len(args) > 0 && args[0] == "stop"
	if stop {
		args = args[1:]
	}
	var o images.Options
	var cache string
	fs := newFlagSet("images", stderr)
	fs.StringVar(&cache, "cache", "", "folder for binaries, downloads and the registry's storage (default: images/ in the suite's cache folder)")
	fs.StringVar(&o.ExporterJar, "exporter-jar", "", "the rocketmq-exporter jar to put into its image (without it: a stand-in, and the management cases are skipped)")
	fs.StringVar(&o.DashboardJar, "dashboard-jar", "", "the rocketmq-dashboard jar to put into its image (without it: a stand-in)")
	fs.StringVar(&o.DebianMirror, "debian-mirror", "http://deb.debian.org/debian", "Debian archive debootstrap reads")
	fs.BoolVar(&o.Nice, "nice", false, "compile at nice 19, for a machine busy with other work")
	port := fs.Int("registry-port", 5001, "loopback port the registry is published on")
	dagger := images.DaggerSource{Replace: map[string]string{}}
	fs.StringVar(&dagger.Dir, "dagger-source", "", "a checkout of the dagger repository (v0.21.9 or the nearest branch): also build the Dagger engine and CLI from it, the pipeline's images, and start the engine for `go run ./ci`")
	fs.Var(replaceFlag(dagger.Replace), "dagger-replace", "MODULE=DIR: build the dagger source with this folder in place of a module the Go proxy refuses (repeatable)")
	fs.StringVar(&dagger.Version, "dagger-version", manifests.DefaultVersions().Pipeline.Dagger, "the version stamped into the engine and CLI; the pipeline's SDK accepts only its own")
	if err := parse(fs, args); err != nil {
		return ExitSetup, err
	}
	if err := daggerOption(&o, dagger); err != nil {
		return ExitSetup, err
	}
	if cache == "" {
		c, err := dist.CacheDir()
		if err != nil {
			return ExitSetup, err
		}
		cache = filepath.Join(c, "images")
	}
	o.Layout = images.Layout{Root: cache}
	o.Registry = images.DefaultRegistry(o.Layout)
	o.Registry.Port = *port
	pr := newProgress(stdout)
	o.Progress = pr
	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if stop {
		return imagesStop(ctx, o, pr), nil
	}
	for flag, jar := range map[string]*string{"--exporter-jar": &o.ExporterJar, "--dashboard-jar": &o.DashboardJar} {
		if *jar == "" {
			continue
		}
		fi, err := os.Stat(*jar)
		if err != nil || fi.IsDir() || !strings.HasSuffix(*jar, ".jar") {
			return ExitSetup, usage.Errorf("%s %s: expected a jar file", flag, *jar)
		}
		*jar, _ = filepath.Abs(*jar)
	}
	wd, err := os.Getwd()
	if err != nil {
		return ExitSetup, err
	}
	if o.Tools, err = images.FindTools(wd); err != nil {
		return ExitSetup, usage.Errorf("%v", err)
	}
	res, err := images.Build(ctx, o)
	if err != nil {
		pr.Printf("images: %v", err)
		return ExitSetup, nil
	}
	pr.Printf("node image: %s", res.NodeImage)
	pr.Printf("registry %s serves %d images on 127.0.0.1:%d; `go run . images stop` stops it", o.Registry.Name, len(res.Images), o.Registry.Port)
	if len(res.StandIns) > 0 {
		pr.Printf("stand-ins: %s (the management cases will be skipped)", strings.Join(res.StandIns, ", "))
	}
	fmt.Fprintf(stdout, "\nrun the suite on it:\n  go run . e2e --kind-node-image %s --registry-mirror %s --addon-chart PATH/TO/kubeblocks-addons/addons/rocketmq\n",
		res.NodeImage, res.Mirror)
	if p := res.Pipeline; p != nil {
		fmt.Fprintf(stdout, "\nrun the pipeline on it (the engine runs as container %s; `go run . images stop` stops it and the registry):\n"+
			"  export _EXPERIMENTAL_DAGGER_CLI_BIN=%s\n  export _EXPERIMENTAL_DAGGER_RUNNER_HOST=%s\n"+
			"  go build -o rmqkb-ci ./ci && ./rmqkb-ci --go-image %s --dind-image %s \\\n"+
			"      --kind-node-image %s --registry-mirror %s --addon-chart PATH/TO/kubeblocks-addons/addons/rocketmq\n",
			o.Engine.Name, p.CLI, p.RunnerHost, p.GoImage, p.DindImage, p.NodeImage, p.Mirror)
	}
	return ExitPassed, nil
}

// imagesStop removes the registry's and the engine's containers; their
// storage stays.
func imagesStop(ctx context.Context, o images.Options, pr *progress) int {
	if err := o.Engine.Stop(ctx); err != nil {
		pr.Printf("images stop: %v", err)
		return ExitSetup
	}
	if err := o.Registry.Stop(ctx); err != nil {
		pr.Printf("images stop: %v", err)
		return ExitSetup
	}
	pr.Printf("registry %s and engine %s stopped; the registry's storage stays in %s, the engine's caches in volume %s",
		o.Registry.Name, o.Engine.Name, o.Registry.Storage, o.Engine.State)
	return ExitPassed
}

// daggerOption checks the dagger source flags and sets o.Dagger when a
// source is given.
func daggerOption(o *images.Options, s images.DaggerSource) error {
	o.Engine = images.DefaultEngine()
	if s.Dir == "" {
		if len(s.Replace) > 0 {
			return usage.Errorf("--dagger-replace: expected --dagger-source too")
		}
		return nil
	}
	var err error
	if s.Dir, err = filepath.Abs(s.Dir); err != nil {
		return usage.Errorf("--dagger-source %s: %v", s.Dir, err)
	}
	for mod, dir := range s.Replace {
		if s.Replace[mod], err = filepath.Abs(dir); err != nil {
			return usage.Errorf("--dagger-replace %s=%s: %v", mod, dir, err)
		}
	}
	if err := images.CheckDaggerSource(s); err != nil {
		return usage.Wrap(err)
	}
	o.Dagger = &s
	return nil
}

// replaceFlag collects repeatable MODULE=DIR flags.
type replaceFlag map[string]string

func (r replaceFlag) String() string { return fmt.Sprint(map[string]string(r)) }

func (r replaceFlag) Set(v string) error {
	mod, dir, ok := strings.Cut(v, "=")
	if !ok || mod == "" || dir == "" {
		return fmt.Errorf("%q: expected MODULE=DIR, e.g. github.com/vito/dang/v2=/src/dang", v)
	}
	if _, dup := r[mod]; dup {
		return fmt.Errorf("%s given twice", mod)
	}
	r[mod] = dir
	return nil
}
