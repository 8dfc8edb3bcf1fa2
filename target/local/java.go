package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// Java is the JVM the processes run on.
type Java struct {
	Path  string
	Major int
}

// FindJava looks for java in JAVA_HOME, then on PATH, and reads its version.
// RocketMQ 4.9 was built for Java 8; on 9 and later it needs the module
// access flags of Java.Flags.
func FindJava(ctx context.Context) (Java, error) {
	var path string
	if home := os.Getenv("JAVA_HOME"); home != "" {
		path = filepath.Join(home, "bin", "java")
		if _, err := os.Stat(path); err != nil {
			return Java{}, setupErr("find java", fmt.Errorf("JAVA_HOME=%s has no bin/java: %w", home, err))
		}
	} else {
		p, err := exec.LookPath("java")
		if err != nil {
			return Java{}, setupErr("find java", errors.New("no java: JAVA_HOME is unset and java is not on PATH; install a JDK 8 to 17 (apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"))
		}
		path = p
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(cctx, path, "-version").CombinedOutput()
	if err != nil {
		return Java{}, setupErr("find java", fmt.Errorf("%s -version: %w: %s", path, err, tail(string(out), 5)))
	}
	major, err := javaMajor(out)
	if err != nil {
		return Java{}, setupErr("find java", fmt.Errorf("%s: %w", path, err))
	}
	if major < 8 {
		return Java{}, setupErr("find java", fmt.Errorf("%s is Java %d; RocketMQ 4.9 needs Java 8 or later", path, major))
	}
	return Java{Path: path, Major: major}, nil
}

var javaVersionRE = regexp.MustCompile(`version "(\d+)(?:\.(\d+))?`)

// javaMajor reads the major version from `java -version` output: "1.8.0_x"
// is 8, "17.0.15" is 17.
func javaMajor(out []byte) (int, error) {
	m := javaVersionRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("cannot read a version from %q", tail(string(bytes.TrimSpace(out)), 1))
	}
	major, _ := strconv.Atoi(string(m[1]))
	if major == 1 && len(m[2]) > 0 {
		major, _ = strconv.Atoi(string(m[2]))
	}
	return major, nil
}

// Flags returns the JVM flags every RocketMQ process gets here: the module
// access RocketMQ 4.9's store needs on Java 9+ (it reaches the direct buffer
// cleaner by reflection), and settings that keep five JVMs quick to start on
// a two-core machine. The heap is set per process.
func (j Java) Flags() []string {
	f := []string{"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-XX:-OmitStackTraceInFastThrow"}
	if j.Major >= 9 {
		f = append(f,
			"--add-opens=java.base/java.nio=ALL-UNNAMED",
			"--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
			"--add-opens=java.base/java.lang=ALL-UNNAMED",
			"--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
		)
	}
	return f
}

// Heap returns the heap size in MiB the addon's util.sh gives a container with
// this memory limit: max(min(RAM/2, 1024M), min(RAM/4, 8G)).
func Heap(limitBytes int64) int64 {
	ram := limitBytes >> 20
	return max(min(ram/2, 1024), min(ram/4, 8192))
}
