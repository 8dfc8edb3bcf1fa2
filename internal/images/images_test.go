package images

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeInputs are Inputs whose every file exists, with fake content.
func fakeInputs(t *testing.T) Inputs {
	t.Helper()
	dir := t.TempDir()
	touch := func(p string) string {
		t.Helper()
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("content of "+p), 0o755); err != nil {
			t.Fatal(err)
		}
		return full
	}
	bins := binaries{}
	for _, m := range goModules {
		bins[m.Dir] = filepath.Join(dir, "bin", m.Dir)
	}
	for _, b := range []string{"kubernetes/kubelet", "kubernetes/kubeadm", "kubernetes/kubectl", "kubernetes/kube-apiserver",
		"kubernetes/kube-controller-manager", "kubernetes/kube-scheduler", "kubernetes/kube-proxy", "etcd/etcd", "coredns/coredns",
		"crictl/crictl", "localpath/local-path-provisioner", "registry/registry", "kubeblocks/manager", "kubeblocks/kbagent",
		"kubeblocks/dataprotection", "kubeblocks/reloader", "helm/helm"} {
		touch("bin/" + b)
	}
	touch("kind/usr/local/bin/entrypoint")
	touch("crd/apps.kubeblocks.io_clusters.yaml")
	touch("rmq/lib/rocketmq-broker-4.9.7.jar")
	touch("rmq/dist/bin/runbroker.sh")
	touch("rmq/dist/conf/broker.conf")
	return Inputs{
		Bins: bins, Pause: touch("pause"), Debian: "rmqkb.local/base/debian:x", Busybox: "rmqkb.local/base/busybox:x",
		KubeTag: "v1.37.2",
		ControlPl: []string{"registry.k8s.io/kube-apiserver:v1.37.2", "registry.k8s.io/kube-controller-manager:v1.37.2",
			"registry.k8s.io/kube-scheduler:v1.37.2", "registry.k8s.io/kube-proxy:v1.37.2", "registry.k8s.io/coredns/coredns:v1.14.6",
			"registry.k8s.io/pause:3.10.2", "registry.k8s.io/etcd:3.7.0-0"},
		KindFiles: filepath.Join(dir, "kind"),
		Storage: Storage{Manifest: "kind: Namespace\n", ProvisionerImage: "docker.io/kindest/local-path-provisioner:v1",
			HelperImage: "docker.io/kindest/local-path-helper:v1"},
		KBCRDs:   filepath.Join(dir, "crd"),
		RocketMQ: RocketMQ{Version: "4.9.6", Lib: filepath.Join(dir, "rmq", "lib"), Dist: filepath.Join(dir, "rmq", "dist")},
		JMXJar:   touch("jmx.jar"), Exporter: Jar{Path: touch("exporter.jar")}, Dashboard: Jar{Path: touch("dashboard.jar")},
	}
}

// rendered renders r and returns its Dockerfile and context folder.
func rendered(t *testing.T, r Recipe) (string, string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := r.Render(dir); err != nil {
		t.Fatalf("%s: %v", r.Ref, err)
	}
	df, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	return string(df), dir
}

func recipe(t *testing.T, rs []Recipe, ref string) Recipe {
	t.Helper()
	for _, r := range rs {
		if r.Ref == ref {
			return r
		}
	}
	t.Fatalf("no recipe for %s", ref)
	return Recipe{}
}

// TestRecipesCoverWhatTheChartsAndKindAskFor: every image the node
// preloads or the mirror serves, under the exact name asked for.
func TestRecipesCoverWhatTheChartsAndKindAskFor(t *testing.T) {
	in := fakeInputs(t)
	rs := Recipes(in)
	want := append(append([]string{}, in.ControlPl...),
		"registry.k8s.io/pause:3.10", in.Storage.ProvisionerImage, in.Storage.HelperImage, podnetImage,
		"docker.io/apecloud/kubeblocks:1.0.2", "docker.io/apecloud/kubeblocks-dataprotection:1.0.2", "docker.io/apecloud/kubeblocks-tools:1.0.2",
		RocketMQImage, JMXExporterImage, ExporterImage, DashboardImage)
	if len(rs) != len(want) {
		t.Errorf("%d recipes, want %d", len(rs), len(want))
	}
	for _, ref := range want {
		r := recipe(t, rs, ref)
		preload := strings.HasPrefix(ref, "registry.k8s.io/") || strings.Contains(ref, "/kindest/") || ref == podnetImage
		if r.Preload != preload {
			t.Errorf("%s: preload %v, want %v (kind's own images are preloaded, the charts' pulled)", ref, r.Preload, preload)
		}
		rendered(t, r) // every file it names exists
	}
}

func TestRocketMQImageLayout(t *testing.T) {
	df, dir := rendered(t, recipe(t, Recipes(fakeInputs(t)), RocketMQImage))
	home := "/home/rocketmq/rocketmq-4.9.6"
	for _, want := range []string{
		"COPY --chown=3000:3000 f0 " + home + "/bin\n", "COPY --chown=3000:3000 f1 " + home + "/conf\n",
		"COPY --chown=3000:3000 f2 " + home + "/lib\n", `ENV ROCKETMQ_HOME="` + home + `"`, `ENV JAVA_OPT="--add-opens=java.base/java.nio=ALL-UNNAMED`,
		"WORKDIR " + home + "/bin\n", "USER 3000:3000\n", "chown -R 3000:3000 /home/rocketmq",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q:\n%s", want, df)
		}
	}
	for _, f := range []string{"f0/runbroker.sh", "f1/broker.conf", "f2/rocketmq-broker-4.9.7.jar"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("context: %v", err)
		}
	}
}

func TestManagementAndKubeBlocksImageLayouts(t *testing.T) {
	rs := Recipes(fakeInputs(t))
	for ref, wants := range map[string][]string{
		JMXExporterImage: {"COPY f0 /opt/jmx_exporter/jmx_prometheus_httpserver.jar\n", "WORKDIR /opt/jmx_exporter\n", "USER 1001\n"},
		ExporterImage:    {"COPY f0 /opt/rocketmq-exporter/rocketmq-exporter.jar\n", "WORKDIR /opt/rocketmq-exporter\n"},
		DashboardImage:   {"COPY f0 /rocketmq-dashboard.jar\n"},
		"docker.io/apecloud/kubeblocks-tools:1.0.2": {"COPY f0 /usr/bin/kbagent\n", "COPY f1 /usr/bin/reloader\n", "COPY f2 /usr/bin/kubectl\n",
			"COPY f3 /usr/bin/helm\n", "COPY f4 /kubeblocks/crd\n", "chown 65532:65532 /.cache", "USER 65532:65532\n"},
		"docker.io/apecloud/kubeblocks:1.0.2":     {"COPY f0 /manager\n", `ENTRYPOINT ["/manager"]`, "USER 65532:65532\n"},
		"registry.k8s.io/pause:3.10.2":            {"FROM scratch\n", `ENTRYPOINT ["/pause"]`, "USER 65535:65535\n"},
		"registry.k8s.io/etcd:3.7.0-0":            {"COPY f0 /usr/local/bin/etcd\n"},
		"registry.k8s.io/coredns/coredns:v1.14.6": {"COPY f0 /coredns\n", `ENTRYPOINT ["/coredns"]`},
		"registry.k8s.io/kube-proxy:v1.37.2":      {"FROM rmqkb.local/base/debian:x\n", "COPY f0 /usr/local/bin/kube-proxy\n"},
	} {
		df, _ := rendered(t, recipe(t, rs, ref))
		for _, w := range wants {
			if !strings.Contains(df, w) {
				t.Errorf("%s: Dockerfile lacks %q:\n%s", ref, w, df)
			}
		}
	}
}

func TestNodeLayerLayout(t *testing.T) {
	in := fakeInputs(t)
	df, dir := rendered(t, nodeLayerRecipe(in, "rmqkb.local/kind-node-layer:v1.37.2"))
	for _, w := range []string{"COPY f0 /\n", "COPY f1 /usr/bin/kubeadm\n", "COPY f2 /usr/bin/kubelet\n", "COPY f4 /usr/local/bin/crictl\n",
		"COPY f5 /kind/version\n", "COPY f6 /kind/manifests/default-storage.yaml\n", "COPY f7 /kind/manifests/default-cni.yaml\n",
		"systemctl enable kubelet.service containerd.service", `ENTRYPOINT ["/usr/local/bin/entrypoint","/sbin/init"]`, "/etc/containerd/cri-base.json"} {
		if !strings.Contains(df, w) {
			t.Errorf("node layer lacks %q:\n%s", w, df)
		}
	}
	if v, _ := os.ReadFile(filepath.Join(dir, "f5")); string(v) != "v1.37.2" {
		t.Errorf("/kind/version %q", v)
	}
	if cni, _ := os.ReadFile(filepath.Join(dir, "f7")); !strings.Contains(string(cni), "would you kindly patch this file") {
		t.Error("the CNI manifest lacks kind's marker: kind would not tell podnet the API server's address")
	}
}

// TestRenderHashFollowsTheContext: a rerun finds an image current by its
// hash, so the hash must change with any file and nothing else.
func TestRenderHashFollowsTheContext(t *testing.T) {
	in := fakeInputs(t)
	r := recipe(t, Recipes(in), JMXExporterImage)
	h1, _ := r.Render(t.TempDir())
	h2, _ := r.Render(t.TempDir())
	if h1 != h2 || h1 == "" {
		t.Fatalf("hashes %q %q of the same recipe", h1, h2)
	}
	if err := os.WriteFile(in.JMXJar, []byte("another jar"), 0o644); err != nil {
		t.Fatal(err)
	}
	if h3, _ := r.Render(t.TempDir()); h3 == h1 {
		t.Error("a changed file kept the hash")
	}
	df, _ := rendered(t, r)
	if !strings.Contains(df, "LABEL "+recipeLabel+"=") {
		t.Errorf("no recipe label:\n%s", df)
	}
}

// upstreamScripts are the lines of RocketMQ 4.9's start scripts that the
// patches replace, with what surrounds them.
var upstreamScripts = map[string]string{
	"runbroker.sh": "choose_gc_log_directory\n\nJAVA_OPT=\"${JAVA_OPT} -server -Xms8g -Xmx8g\"\nchoose_gc_options\nJAVA_OPT=\"${JAVA_OPT} -XX:+AlwaysPreTouch\"\nJAVA_OPT=\"${JAVA_OPT} -XX:MaxDirectMemorySize=15g\"\nJAVA_OPT=\"${JAVA_OPT} ${JAVA_OPT_EXT}\"\n$JAVA ${JAVA_OPT} $@\n",
	"runserver.sh": "    if [ -z \"$JAVA_MAJOR_VERSION\" ] ; then\n      JAVA_OPT=\"${JAVA_OPT} -server -Xms4g -Xmx4g -Xmn2g -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=320m\"\n    else\n      JAVA_OPT=\"${JAVA_OPT} -server -Xms4g -Xmx4g -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=320m\"\n    fi\n",
	"tools.sh":     "JAVA_OPT=\"${JAVA_OPT} -server -Xms1g -Xmx1g -Xmn256m -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=128m\"\n",
}

func writeScripts(t *testing.T, dist string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dist, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for f, s := range upstreamScripts {
		if err := os.WriteFile(filepath.Join(dist, "bin", f), []byte(s), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPatchScripts(t *testing.T) {
	dist := t.TempDir()
	writeScripts(t, dist)
	if err := PatchScripts(dist); err != nil {
		t.Fatal(err)
	}
	read := func(f string) string { b, _ := os.ReadFile(filepath.Join(dist, "bin", f)); return string(b) }
	broker := read("runbroker.sh")
	for _, w := range []string{"-server ${HEAP_OPTS:--Xms8g -Xmx8g -XX:MaxDirectMemorySize=15g}", "-Dcom.sun.management.jmxremote.port=${JMX_PORT}",
		"-Djava.rmi.server.hostname=127.0.0.1", `JAVA_OPT="${JAVA_OPT} ${JAVA_OPT_EXT}"`} {
		if !strings.Contains(broker, w) {
			t.Errorf("runbroker.sh lacks %q:\n%s", w, broker)
		}
	}
	if strings.Contains(broker, `JAVA_OPT="${JAVA_OPT} -XX:MaxDirectMemorySize=15g"`) {
		t.Error("runbroker.sh still sets 15g of direct memory after the heap options")
	}
	if s := read("runserver.sh"); strings.Count(s, "${HEAP_OPTS:-") != 2 {
		t.Errorf("runserver.sh honours HEAP_OPTS in %d of its 2 branches:\n%s", strings.Count(s, "${HEAP_OPTS:-"), s)
	}
	if s := read("tools.sh"); !strings.Contains(s, "${TOOLS_HEAP_OPTS:--Xms1g -Xmx1g -Xmn256m}") {
		t.Errorf("tools.sh:\n%s", s)
	}
	// A second pass finds nothing to patch: another release's scripts fail
	// the build, naming the line.
	if err := PatchScripts(dist); err == nil || !strings.Contains(err.Error(), "-Xms8g -Xmx8g") {
		t.Errorf("patching patched scripts: %v", err)
	}
}

func TestUnpackDistribution(t *testing.T) {
	zipPath := filepath.Join(t.TempDir(), "rocketmq-all-4.9.6-source-release.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	add := func(name, data string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(data))
	}
	for n, s := range upstreamScripts {
		add("rocketmq-all-4.9.6/distribution/bin/"+n, s)
	}
	add("rocketmq-all-4.9.6/distribution/bin/mqbroker.cmd", "rem windows")
	add("rocketmq-all-4.9.6/distribution/conf/broker.conf", "brokerClusterName=DefaultCluster\n")
	add("rocketmq-all-4.9.6/broker/pom.xml", "<project/>")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dst := t.TempDir()
	if err := UnpackDistribution(zipPath, dst); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"bin/runbroker.sh", "bin/runserver.sh", "bin/tools.sh", "conf/broker.conf"} {
		if _, err := os.Stat(filepath.Join(dst, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dst, "bin", "runbroker.sh")); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("runbroker.sh must be executable: %v", fi)
	}
	for _, p := range []string{"bin/mqbroker.cmd", "pom.xml", "broker"} {
		if _, err := os.Stat(filepath.Join(dst, p)); err == nil {
			t.Errorf("%s unpacked; only distribution/bin and conf belong in the image", p)
		}
	}
}
