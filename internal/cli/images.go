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

	"github.com/rmqkb/conformance/internal/images"
	"github.com/rmqkb/conformance/internal/local"
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
	if err := parse(fs, args); err != nil {
		return ExitSetup, err
	}
	if cache == "" {
		c, err := local.CacheDir()
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
		if err := o.Registry.Stop(ctx); err != nil {
			pr.Printf("images stop: %v", err)
			return ExitSetup, nil
		}
		pr.Printf("registry %s stopped; its storage stays in %s", o.Registry.Name, o.Registry.Storage)
		return ExitPassed, nil
	}
	for flag, jar := range map[string]*string{"--exporter-jar": &o.ExporterJar, "--dashboard-jar": &o.DashboardJar} {
		if *jar == "" {
			continue
		}
		fi, err := os.Stat(*jar)
		if err != nil || fi.IsDir() || !strings.HasSuffix(*jar, ".jar") {
			return ExitSetup, usagef("%s %s: expected a jar file", flag, *jar)
		}
		*jar, _ = filepath.Abs(*jar)
	}
	wd, err := os.Getwd()
	if err != nil {
		return ExitSetup, err
	}
	if o.Tools, err = images.FindTools(wd); err != nil {
		return ExitSetup, usagef("%v", err)
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
	return ExitPassed, nil
}
