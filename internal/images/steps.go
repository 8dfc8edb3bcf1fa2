package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rmqkb/conformance/internal/dist"

	"github.com/rmqkb/conformance/internal/gomod"
)

func (b *build) pause(ctx context.Context) (bool, error) {
	out := filepath.Join(b.o.Layout.Bin("pause", b.in.KubeTag), "pause")
	b.in.Pause = out
	if _, err := os.Stat(out); err == nil {
		return true, nil
	}
	k8s, err := gomod.Dir("k8s.io/kubernetes@" + b.in.KubeTag)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return false, err
	}
	src := filepath.Join(k8s, "build", "pause", "linux", "pause.c")
	_, err = run(ctx, "", nil, "gcc", "-Os", "-Wall", "-Werror", "-static", "-DVERSION="+b.in.KubeTag, "-o", out+".tmp", src)
	if err != nil {
		return false, err
	}
	return false, os.Rename(out+".tmp", out)
}

// mavenCopy fetches one artifact (group:artifact:version[:type[:classifier]])
// into dir, unless a file of that name is there.
func mavenCopy(ctx context.Context, dir, coords, file string) (string, error) {
	p := filepath.Join(dir, file)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if _, err := run(ctx, dir, nil, "mvn", "-B", "-q", "-Dstyle.color=never", "dependency:copy",
		"-Dartifact="+coords, "-DoutputDirectory="+dir); err != nil {
		return "", fmt.Errorf("fetch %s with Maven: %w", coords, err)
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("maven fetched %s but %s is not there", coords, p)
	}
	return p, nil
}

// jmxExporterVersion: the addon's image is 0.18.0, which Maven Central
// does not serve here; 0.20.0 is the nearest served.
const jmxExporterVersion = "0.20.0"

func (b *build) maven(ctx context.Context) (bool, error) {
	const version = "4.9.6" // the addon's image
	dl := b.o.Layout.Downloads()
	if err := os.MkdirAll(dl, 0o755); err != nil {
		return false, err
	}
	dist, err := dist.Resolve(ctx, version, []string{"4.9.7"}, io.Discard)
	if err != nil {
		return false, err
	}
	if dist.Note != "" {
		b.log("RocketMQ jars: %s", dist.Note)
	}
	zip, err := mavenCopy(ctx, dl, "org.apache.rocketmq:rocketmq-all:"+version+":zip:source-release", "rocketmq-all-"+version+"-source-release.zip")
	if err != nil {
		return false, err
	}
	unpacked := filepath.Join(b.work, "rocketmq-distribution")
	if err := UnpackDistribution(zip, unpacked); err != nil {
		return false, err
	}
	jmx, err := mavenCopy(ctx, dl, "io.prometheus.jmx:jmx_prometheus_httpserver:"+jmxExporterVersion, "jmx_prometheus_httpserver-"+jmxExporterVersion+".jar")
	if err != nil {
		return false, err
	}
	b.in.RocketMQ = RocketMQ{Version: version, Lib: dist.LibDir, Dist: unpacked}
	b.in.JMXJar = jmx
	return false, nil
}

func (b *build) kindSources(ctx context.Context) (bool, error) {
	kind, err := gomod.Dir(kindModule())
	if err != nil {
		return false, err
	}
	b.in.KindFiles = filepath.Join(kind, "images", "base", "files")
	if b.in.Storage, err = KindStorage(kind); err != nil {
		return false, err
	}
	kb, err := gomod.Dir(fmt.Sprintf("github.com/apecloud/kubeblocks@v%s", kubeBlocksTag))
	if err != nil {
		return false, err
	}
	b.in.KBCRDs = filepath.Join(kb, "config", "crd", "bases")
	out, err := run(ctx, "", nil, b.in.Bins.path("kubernetes", "kubeadm"), "config", "images", "list", "--kubernetes-version", b.in.KubeTag)
	if err != nil {
		return false, err
	}
	b.in.ControlPl = strings.Fields(out)
	b.log("kubeadm %s asks for %s", b.in.KubeTag, strings.Join(b.in.ControlPl, ", "))
	return false, nil
}

func (b *build) busybox(ctx context.Context) (reused bool, err error) {
	b.in.Busybox, reused, err = BusyboxBase(ctx, b.work, b.o.Layout.Downloads())
	return reused, err
}

func (b *build) debian(ctx context.Context) (reused bool, err error) {
	b.in.Debian, reused, err = DebianBase(ctx, b.work, b.o.DebianMirror, b.log)
	return reused, err
}

func (b *build) managementJars(ctx context.Context) (bool, error) {
	b.in.Exporter = Jar{Path: b.o.ExporterJar}
	b.in.Dashboard = Jar{Path: b.o.DashboardJar}
	if b.o.ExporterJar != "" && b.o.DashboardJar != "" {
		return true, nil
	}
	h := sha256.Sum256([]byte(standInSource))
	dir := filepath.Join(b.o.Layout.Downloads(), "standin-"+hex.EncodeToString(h[:])[:12])
	exp, dash := filepath.Join(dir, "rocketmq-exporter.jar"), filepath.Join(dir, "rocketmq-dashboard.jar")
	reused := true
	if _, err := os.Stat(dash); err != nil {
		reused = false
		if exp, dash, err = buildStandIns(ctx, dir); err != nil {
			return false, err
		}
	}
	if b.o.ExporterJar == "" {
		b.in.Exporter = Jar{Path: exp, StandIn: true}
		b.res.StandIns = append(b.res.StandIns, "exporter")
	}
	if b.o.DashboardJar == "" {
		b.in.Dashboard = Jar{Path: dash, StandIn: true}
		b.res.StandIns = append(b.res.StandIns, "dashboard")
	}
	b.log("stand-ins for: %s (give --exporter-jar and --dashboard-jar for the real components)", strings.Join(b.res.StandIns, ", "))
	return reused, nil
}

// buildImage builds r unless the engine has it with the same recipe hash.
func (b *build) buildImage(ctx context.Context, r Recipe) (bool, error) {
	dir, err := os.MkdirTemp(b.work, "ctx-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	sum, err := r.Render(dir)
	if err != nil {
		return false, err
	}
	if have, err := docker(ctx, "image", "inspect", "--format", `{{index .Config.Labels "`+recipeLabel+`"}}`, r.Ref); err == nil && strings.TrimSpace(have) == sum {
		return true, nil
	}
	if _, err := docker(ctx, "build", "-q", "-t", r.Ref, dir); err != nil {
		return false, fmt.Errorf("build %s: %w", r.Ref, err)
	}
	return false, nil
}

func (b *build) componentImages(ctx context.Context) (bool, error) {
	return b.buildImages(ctx, Recipes(b.in))
}

// buildImages builds each of rs that is not current, saying which it
// built; it reports whether it reused them all.
func (b *build) buildImages(ctx context.Context, rs []Recipe) (bool, error) {
	all := true
	for _, r := range rs {
		reused, err := b.buildImage(ctx, r)
		if err != nil {
			return false, err
		}
		if !reused {
			b.log("built %s", r.Ref)
		}
		all = all && reused
	}
	return all, nil
}

// nodeRef is the node image's local name before it is pushed.
func (b *build) nodeRef() string { return "kindest/node:" + b.in.KubeTag }

func (b *build) nodeImage(ctx context.Context) (bool, error) {
	layer := nodeLayerRecipe(b.in, "rmqkb.local/kind-node-layer:"+b.in.KubeTag)
	layerReused, err := b.buildImage(ctx, layer)
	if err != nil {
		return false, err
	}
	var preload []string
	for _, r := range Recipes(b.in) {
		if r.Preload {
			preload = append(preload, r.Ref)
		}
	}
	// The node is current if it was committed from this layer with these
	// images: its label hashes their IDs.
	var ids []string
	for _, ref := range append([]string{layer.Ref}, preload...) {
		id, err := docker(ctx, "image", "inspect", "--format", "{{.Id}}", ref)
		if err != nil {
			return false, err
		}
		ids = append(ids, strings.TrimSpace(id))
	}
	h := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	sum := hex.EncodeToString(h[:])[:16]
	if have, err := docker(ctx, "image", "inspect", "--format", `{{index .Config.Labels "`+recipeLabel+`"}}`, b.nodeRef()); err == nil && strings.TrimSpace(have) == sum {
		return layerReused, nil
	}
	b.log("importing %d images into the node", len(preload))
	return false, preloadNode(ctx, layer.Ref, b.nodeRef(), sum, preload, b.log)
}

func (b *build) push(ctx context.Context) (bool, error) {
	reg := b.o.Registry
	r := registryRecipe(b.in)
	if _, err := b.buildImage(ctx, r); err != nil {
		return false, err
	}
	running, err := reg.Start(ctx, r.Ref)
	if err != nil {
		return false, err
	}
	if !running {
		b.log("registry %s started on 127.0.0.1:%d (storage %s)", reg.Name, reg.Port, reg.Storage)
	}
	for _, rc := range Recipes(b.in) {
		if rc.Preload {
			continue
		}
		if _, err := reg.Push(ctx, rc.Ref); err != nil {
			return false, err
		}
		b.res.Images = append(b.res.Images, rc.Ref)
	}
	digest, err := reg.Push(ctx, b.nodeRef())
	if err != nil {
		return false, err
	}
	b.res.NodeImage = reg.push(b.nodeRef()) + "@" + digest
	b.res.Mirror = reg.Mirror()
	b.log("pushed %d images and the node image", len(b.res.Images))
	return running, nil
}

// disk prints the space the set takes: this build's folder (binaries,
// downloads, the registry's storage), the Go build cache that compiling
// filled, and the engine's images.
func (b *build) disk(ctx context.Context, w io.Writer) {
	fmt.Fprintf(w, "disk: %s in %s (registry %s)", human(du(b.o.Layout.Root)), b.o.Layout.Root, human(du(b.o.Layout.Registry())))
	if gocache, err := run(ctx, "", nil, "go", "env", "GOCACHE"); err == nil {
		fmt.Fprintf(w, "; Go build cache %s", human(du(strings.TrimSpace(gocache))))
	}
	if out, err := docker(ctx, "system", "df", "--format", "{{.Type}} {{.Size}}"); err == nil {
		for _, l := range strings.Split(out, "\n") {
			if v, ok := strings.CutPrefix(l, "Images "); ok {
				fmt.Fprintf(w, "; Docker images %s", v)
			}
		}
	}
	fmt.Fprintln(w)
}

func du(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func human(n int64) string {
	const g = 1 << 30
	if n >= g {
		return fmt.Sprintf("%.1f GiB", float64(n)/g)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
