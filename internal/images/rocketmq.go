package images

import (
	"archive/zip"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// RocketMQ is what the broker and namesrv image is made of: the server
// jars (the local target's, from Maven) and the bin/ and conf/ folders of
// the rocketmq-all source release, unpacked and patched (PatchScripts).
type RocketMQ struct {
	Version string // the image's version, as the addon names it (4.9.6)
	Lib     string // folder of jars
	Dist    string // the source release's distribution/ folder, patched
}

// rocketMQHome is where the addon's scripts expect RocketMQ: they run
// ./mqnamesrv from the working directory and $ROCKETMQ_HOME/bin/mqbroker.
func rocketMQHome(version string) string { return "/home/rocketmq/rocketmq-" + version }

// JavaOpt is the JAVA_OPT the image sets: the module access RocketMQ 4.9
// needs on Java 9+ (its store reaches the direct buffer cleaner by
// reflection). The start scripts append their own to it.
const JavaOpt = "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED " +
	"--add-opens=java.base/java.lang=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"

func rocketMQRecipe(in Inputs) Recipe {
	home := rocketMQHome(in.RocketMQ.Version)
	return Recipe{
		Ref: RocketMQImage, Base: in.Debian,
		Files: []File{
			{From: filepath.Join(in.RocketMQ.Dist, "bin"), To: home + "/bin", Owner: "3000:3000"},
			{From: filepath.Join(in.RocketMQ.Dist, "conf"), To: home + "/conf", Owner: "3000:3000"},
			{From: in.RocketMQ.Lib, To: home + "/lib", Owner: "3000:3000"},
		},
		Run: []string{"mkdir -p /home/rocketmq/logs /home/rocketmq/store && chown -R 3000:3000 /home/rocketmq"},
		Env: []string{
			"JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64", "ROCKETMQ_VERSION=" + in.RocketMQ.Version,
			"ROCKETMQ_HOME=" + home, "JAVA_OPT=" + JavaOpt, "LANG=C.UTF-8",
		},
		User: "3000:3000", Workdir: home + "/bin",
	}
}

// scriptPatch replaces one line of an upstream start script.
type scriptPatch struct {
	file, old, new string
}

// jmxOptions open JMX on $JMX_PORT: the addon's namesrv script adds them
// itself, its broker script does not, yet the broker's jmx-exporter sidecar
// scrapes 127.0.0.1:$JMX_PORT (apecloud's image opens it in its own
// runbroker.sh; without it the sidecar reports jmx_scrape_error 1).
const jmxOptions = `if [ -n "${JMX_PORT}" ]; then
  JAVA_OPT="${JAVA_OPT} -Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.port=${JMX_PORT} -Dcom.sun.management.jmxremote.rmi.port=${JMX_PORT} -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false -Djava.rmi.server.hostname=127.0.0.1"
fi
JAVA_OPT="${JAVA_OPT} ${JAVA_OPT_EXT}"`

// scriptPatches make the upstream scripts honour the heap the addon
// computes (HEAP_OPTS, from the container's memory limit; upstream
// hard-codes 8g for the broker, whose 15g of direct memory would come after
// and win) and open the broker's JMX port, as apecloud's image does.
var scriptPatches = []scriptPatch{
	{"runbroker.sh", `JAVA_OPT="${JAVA_OPT} -server -Xms8g -Xmx8g"`,
		`JAVA_OPT="${JAVA_OPT} -server ${HEAP_OPTS:--Xms8g -Xmx8g -XX:MaxDirectMemorySize=15g}"`},
	{"runbroker.sh", `JAVA_OPT="${JAVA_OPT} -XX:MaxDirectMemorySize=15g"`, ``},
	{"runbroker.sh", `JAVA_OPT="${JAVA_OPT} ${JAVA_OPT_EXT}"`, jmxOptions},
	{"runserver.sh", `      JAVA_OPT="${JAVA_OPT} -server -Xms4g -Xmx4g -Xmn2g -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=320m"`,
		`      JAVA_OPT="${JAVA_OPT} -server ${HEAP_OPTS:--Xms4g -Xmx4g -Xmn2g} -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=320m"`},
	{"runserver.sh", `      JAVA_OPT="${JAVA_OPT} -server -Xms4g -Xmx4g -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=320m"`,
		`      JAVA_OPT="${JAVA_OPT} -server ${HEAP_OPTS:--Xms4g -Xmx4g} -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=320m"`},
	{"tools.sh", `JAVA_OPT="${JAVA_OPT} -server -Xms1g -Xmx1g -Xmn256m -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=128m"`,
		`JAVA_OPT="${JAVA_OPT} -server ${TOOLS_HEAP_OPTS:--Xms1g -Xmx1g -Xmn256m} -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=128m"`},
}

// PatchScripts applies scriptPatches to the bin/ folder under dist. Each
// line must be found exactly once: a release whose scripts changed fails
// here, naming the line, rather than building an image that ignores the
// heap.
func PatchScripts(dist string) error {
	for _, p := range scriptPatches {
		file := filepath.Join(dist, "bin", p.file)
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		lines := strings.Split(string(data), "\n")
		found := -1
		for i, l := range lines {
			if l == p.old {
				if found >= 0 {
					return fmt.Errorf("%s: the line %q is there twice", file, p.old)
				}
				found = i
			}
		}
		if found < 0 {
			return fmt.Errorf("%s: no line %q to patch (another release's script?)", file, p.old)
		}
		if p.new == "" {
			lines = append(lines[:found], lines[found+1:]...)
		} else {
			lines[found] = p.new
		}
		if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// UnpackDistribution unpacks the bin/ and conf/ folders of the source
// release's distribution/ into dst (leaving out the Windows .cmd files)
// and patches the scripts.
func UnpackDistribution(zipPath, dst string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return err
	}
	defer zr.Close()
	n := 0
	for _, f := range zr.File {
		_, rel, ok := strings.Cut(f.Name, "/distribution/")
		if !ok || f.FileInfo().IsDir() || strings.HasSuffix(rel, ".cmd") ||
			!(strings.HasPrefix(rel, "bin/") || strings.HasPrefix(rel, "conf/")) {
			continue
		}
		if err := unzipFile(f, filepath.Join(dst, filepath.FromSlash(path.Clean(rel)))); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s holds no distribution/bin or distribution/conf", zipPath)
	}
	return PatchScripts(dst)
}

func unzipFile(f *zip.File, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	mode := os.FileMode(0o644)
	if strings.HasPrefix(filepath.Base(filepath.Dir(to)), "bin") || f.Mode()&0o111 != 0 {
		mode = 0o755
	}
	return writeFrom(r, to, mode)
}
