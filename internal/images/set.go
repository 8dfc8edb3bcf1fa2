package images

import (
	"path/filepath"
	"strings"
)

// Inputs are what the image set is made of, gathered by the build's
// earlier steps.
type Inputs struct {
	Bins      binaries // Go binaries, by module folder
	Pause     string   // the pause binary
	Debian    string   // the Debian base image
	Busybox   string   // the busybox base image
	KubeTag   string   // v1.37.2
	ControlPl []string // the images `kubeadm config images list` names
	KindFiles string   // images/base/files of the kind module
	Storage   Storage  // kind's default storage, from the kind module
	KBCRDs    string   // config/crd/bases of the KubeBlocks module
	RocketMQ  RocketMQ
	JMXJar    string
	Exporter  Jar
	Dashboard Jar
}

// Jar is a management component's jar: the real one a user gave, or the
// stand-in built here.
type Jar struct {
	Path    string
	StandIn bool
}

// Names of the images the charts ask for (KubeBlocks 1.0.2's chart with
// image.registry=docker.io, the rocketmq addon 1.0.2's values).
const (
	kubeBlocksTag     = "1.0.2"
	RocketMQImage     = "docker.io/apecloud/rocketmq:4.9.6-r1"
	JMXExporterImage  = "docker.io/apecloud/jmx-exporter:0.18.0-debian-11-r20"
	ExporterImage     = "docker.io/apecloud/rocketmq-exporter:0.0.3"
	DashboardImage    = "docker.io/apecloud/rocketmq-dashboard:2.0.1"
	podnetImage       = "docker.io/rmqkb/podnet:1"
	registryImageBase = "rmqkb.local/registry"
	kbUser            = "65532:65532"
)

// ubin is a binary under /usr/local/bin.
func ubin(path string) File {
	return File{From: path, To: "/usr/local/bin/" + filepath.Base(path), Mode: 0o755}
}

// Recipes returns every image of the set, kind's own first.
func Recipes(in Inputs) []Recipe {
	var rs []Recipe
	rs = append(rs, kubernetesRecipes(in)...)
	rs = append(rs, kubeBlocksRecipes(in)...)
	rs = append(rs, rocketMQRecipes(in)...)
	return rs
}

// kubernetesRecipes are the images kind's node preloads: the control
// plane under the names kubeadm asks for, pause, kind's storage and the
// pod network that stands in for kindnetd.
func kubernetesRecipes(in Inputs) []Recipe {
	var rs []Recipe
	for _, ref := range in.ControlPl {
		name := imageName(ref)
		r := Recipe{Ref: ref, Base: in.Busybox, Preload: true}
		switch name {
		case "kube-apiserver", "kube-controller-manager", "kube-scheduler":
			r.Files = []File{ubin(in.Bins.path("kubernetes", name))}
		case "kube-proxy":
			// kube-proxy programs iptables/nftables and conntrack.
			r.Base, r.Files = in.Debian, []File{ubin(in.Bins.path("kubernetes", name))}
		case "etcd":
			r.Files = []File{ubin(in.Bins.path("etcd", "etcd"))}
		case "coredns":
			r.Files = []File{{From: in.Bins.path("coredns", "coredns"), To: "/coredns", Mode: 0o755}}
			r.Entrypoint = []string{"/coredns"}
		case "pause":
			r = pauseRecipe(ref, in.Pause)
		default:
			continue
		}
		rs = append(rs, r)
	}
	// kind's containerd config names pause 3.10 as its sandbox image,
	// whatever kubeadm wants.
	rs = append(rs, pauseRecipe("registry.k8s.io/pause:3.10", in.Pause))
	rs = append(rs,
		Recipe{Ref: in.Storage.ProvisionerImage, Base: in.Busybox, Preload: true,
			Files: []File{ubin(in.Bins.path("localpath", "local-path-provisioner"))}},
		Recipe{Ref: in.Storage.HelperImage, Base: in.Busybox, Preload: true},
		Recipe{Ref: podnetImage, Base: in.Debian, Preload: true,
			Files: []File{{Data: []byte(podnetScript), To: "/usr/local/bin/podnet", Mode: 0o755}}},
	)
	return rs
}

func pauseRecipe(ref, pause string) Recipe {
	return Recipe{Ref: ref, Base: "scratch", Preload: true, User: "65535:65535", Entrypoint: []string{"/pause"},
		Files: []File{{From: pause, To: "/pause", Mode: 0o755}}}
}

// kubeBlocksRecipes are KubeBlocks' manager, data protection and tools:
// kbagent (run in every RocketMQ pod), reloader (the broker's
// config-manager sidecar and its init container), kubectl and helm (the
// chart's hooks), the CRDs (/kubeblocks/crd), as its release images lay
// them out.
func kubeBlocksRecipes(in Inputs) []Recipe {
	kb := func(name string) string { return in.Bins.path("kubeblocks", name) }
	tools := []File{
		{From: kb("kbagent"), To: "/usr/bin/kbagent", Mode: 0o755},
		{From: kb("reloader"), To: "/usr/bin/reloader", Mode: 0o755},
		{From: in.Bins.path("kubernetes", "kubectl"), To: "/usr/bin/kubectl", Mode: 0o755},
		{From: in.Bins.path("helm", "helm"), To: "/usr/bin/helm", Mode: 0o755},
		{From: in.KBCRDs, To: "/kubeblocks/crd"},
	}
	return []Recipe{
		{Ref: "docker.io/apecloud/kubeblocks:" + kubeBlocksTag, Base: in.Busybox, User: kbUser,
			Files: []File{{From: kb("manager"), To: "/manager", Mode: 0o755}}, Entrypoint: []string{"/manager"}},
		{Ref: "docker.io/apecloud/kubeblocks-dataprotection:" + kubeBlocksTag, Base: in.Busybox, User: kbUser,
			Files: []File{{From: kb("dataprotection"), To: "/dataprotection", Mode: 0o755}}, Entrypoint: []string{"/dataprotection"}},
		{Ref: "docker.io/apecloud/kubeblocks-tools:" + kubeBlocksTag, Base: in.Debian, User: kbUser, Files: tools,
			Run: []string{"mkdir -p /.cache && chown 65532:65532 /.cache"}},
	}
}

// rocketMQRecipes are the addon's images: the broker and namesrv (also the
// role probe's), the JMX exporter sidecar, the exporter and the dashboard.
func rocketMQRecipes(in Inputs) []Recipe {
	jar := func(j Jar, to string) File { return File{From: j.Path, To: to, Mode: 0o644} }
	return []Recipe{
		rocketMQRecipe(in),
		{Ref: JMXExporterImage, Base: in.Debian, User: "1001", Workdir: "/opt/jmx_exporter",
			Files: []File{{From: in.JMXJar, To: "/opt/jmx_exporter/jmx_prometheus_httpserver.jar", Mode: 0o644}}},
		// exporter-setup.sh runs `java -jar rocketmq-exporter.jar` in the
		// working directory; dashboard-setup.sh runs /rocketmq-dashboard.jar.
		{Ref: ExporterImage, Base: in.Debian, Workdir: "/opt/rocketmq-exporter",
			Files: []File{jar(in.Exporter, "/opt/rocketmq-exporter/rocketmq-exporter.jar")}},
		{Ref: DashboardImage, Base: in.Debian, Files: []File{jar(in.Dashboard, "/rocketmq-dashboard.jar")}},
	}
}

// imageName is the last path element of a reference, without tag.
func imageName(ref string) string {
	name := ref[strings.LastIndex(ref, "/")+1:]
	if i := strings.IndexAny(name, ":@"); i >= 0 {
		name = name[:i]
	}
	return name
}
