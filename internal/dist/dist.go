// Package dist fetches a RocketMQ server distribution (its jars) with
// Maven into a cache, for the local target and the image builder.
package dist

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Dist is a RocketMQ server distribution: the jars of namesrv, broker and
// tools with their dependencies.
type Dist struct {
	Version string // the version of the jars, e.g. 4.9.6
	LibDir  string // a folder of jars
	// Requested is the version asked for; it differs from Version when a
	// fallback ran, and Note says why.
	Requested string
	Note      string
}

// Classpath is the java -cp value.
func (d Dist) Classpath() string { return filepath.Join(d.LibDir, "*") }

// CacheDir is the per-user folder the jars are kept in between runs.
func CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache dir: %w", err)
	}
	return filepath.Join(base, "rmqkb-conformance"), nil
}

var brokerJarRE = regexp.MustCompile(`^rocketmq-broker-(\d+\.\d+\.\d+)\.jar$`)

// FromHome uses an unpacked RocketMQ binary distribution (ROCKETMQ_HOME): its
// lib/ folder must hold the broker jar, whose name gives the version.
func FromHome(home string) (Dist, error) {
	lib := filepath.Join(home, "lib")
	entries, err := os.ReadDir(lib)
	if err != nil {
		return Dist{}, stepErr("use ROCKETMQ_HOME", fmt.Errorf("ROCKETMQ_HOME=%s: %w (expected an unpacked RocketMQ binary distribution with lib/)", home, err))
	}
	for _, e := range entries {
		if m := brokerJarRE.FindStringSubmatch(e.Name()); m != nil {
			return Dist{Version: m[1], Requested: m[1], LibDir: lib}, nil
		}
	}
	return Dist{}, stepErr("use ROCKETMQ_HOME", fmt.Errorf("ROCKETMQ_HOME=%s: lib/ has no rocketmq-broker-<version>.jar", home))
}

// Resolve returns the jars of version from the cache, fetching them with
// Maven on first use. When the repository does not serve that version it
// tries the fallbacks in order, and says so in Dist.Note. Progress lines go
// to progress.
func Resolve(ctx context.Context, version string, fallbacks []string, progress io.Writer) (Dist, error) {
	cache, err := CacheDir()
	if err != nil {
		return Dist{}, stepErr("resolve RocketMQ jars", err)
	}
	var missing []string
	for _, v := range append([]string{version}, fallbacks...) {
		d, err := resolveOne(ctx, cache, v, progress)
		if errors.Is(err, errNotServed) {
			missing = append(missing, v)
			continue
		}
		if err != nil {
			return Dist{}, err
		}
		d.Requested = version
		if v != version {
			d.Note = fmt.Sprintf("the Maven repository does not serve RocketMQ %s; ran %s, the nearest patch release of the same line", strings.Join(missing, ", "), v)
		}
		return d, nil
	}
	return Dist{}, stepErr("resolve RocketMQ jars", fmt.Errorf("the Maven repository serves none of RocketMQ %s; set ROCKETMQ_HOME to an unpacked binary distribution", strings.Join(missing, ", ")))
}

var errNotServed = errors.New("not served")

// mavenLock serialises fetches within the process; two processes racing
// each write to their own temp folder and rename, so the loser just wins too.
var mavenLock sync.Mutex

func resolveOne(ctx context.Context, cache, version string, progress io.Writer) (Dist, error) {
	mavenLock.Lock()
	defer mavenLock.Unlock()
	dir := filepath.Join(cache, "rocketmq", version)
	lib := filepath.Join(dir, "lib")
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return Dist{Version: version, LibDir: lib}, nil
	}
	step := "fetch RocketMQ " + version + " jars with Maven"
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		return Dist{}, stepErr(step, errors.New("mvn is not on PATH: install Maven (apt-get install maven) or set ROCKETMQ_HOME to an unpacked RocketMQ binary distribution"))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Dist{}, stepErr(step, err)
	}
	tmp, err := os.MkdirTemp(dir, "fetch-")
	if err != nil {
		return Dist{}, stepErr(step, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "pom.xml"), []byte(distPOM(version)), 0o644); err != nil {
		return Dist{}, stepErr(step, err)
	}
	fmt.Fprintf(progress, "%s into %s (first use only)\n", step, dir)
	cmd := exec.CommandContext(ctx, mvn, "-B", "-Dstyle.color=never", "-f", filepath.Join(tmp, "pom.xml"),
		"dependency:copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory="+filepath.Join(tmp, "lib"))
	cmd.Stdin = nil
	out, err := cmd.StdoutPipe()
	if err != nil {
		return Dist{}, stepErr(step, err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return Dist{}, stepErr(step, err)
	}
	var log strings.Builder
	downloads := 0
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		if strings.Contains(line, "Downloaded from") {
			downloads++
			if downloads%25 == 0 {
				fmt.Fprintf(progress, "  maven: %d files downloaded\n", downloads)
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		if notServed(log.String(), version) {
			fmt.Fprintf(progress, "  maven: RocketMQ %s is not served by the repository\n", version)
			return Dist{}, errNotServed
		}
		return Dist{}, &Error{Step: step, Err: fmt.Errorf("mvn: %w", err), LogTail: tail(log.String(), 30)}
	}
	if err := os.Rename(filepath.Join(tmp, "lib"), lib); err != nil && !os.IsExist(err) {
		if _, statErr := os.Stat(filepath.Join(lib, "rocketmq-broker-"+version+".jar")); statErr != nil {
			return Dist{}, stepErr(step, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "complete"), []byte(version+"\n"), 0o644); err != nil {
		return Dist{}, stepErr(step, err)
	}
	fmt.Fprintf(progress, "  maven: done, %d files downloaded\n", downloads)
	return Dist{Version: version, LibDir: lib}, nil
}

// notServed tells a missing RocketMQ artifact from every other Maven failure
// (no network, a broken settings.xml), which must not trigger a fallback.
func notServed(log, version string) bool {
	if !strings.Contains(log, "org.apache.rocketmq:") || !strings.Contains(log, ":jar:"+version) {
		return false
	}
	// A fresh miss, and a miss Maven remembers from an earlier attempt.
	return strings.Contains(log, "Could not find artifact") || strings.Contains(log, "was not found in")
}

func distPOM(version string) string {
	var deps strings.Builder
	for _, a := range []string{"rocketmq-namesrv", "rocketmq-broker", "rocketmq-tools"} {
		fmt.Fprintf(&deps, "    <dependency><groupId>org.apache.rocketmq</groupId><artifactId>%s</artifactId><version>%s</version></dependency>\n", a, version)
	}
	return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by the conformance suite to fetch the RocketMQ server jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.rmqkb</groupId>
  <artifactId>rocketmq-server-dist</artifactId>
  <version>` + version + `</version>
  <packaging>pom</packaging>
  <dependencies>
` + deps.String() + `  </dependencies>
</project>
`
}

// Error is a step of getting a distribution that failed: no Maven, a
// version the repository does not serve, a ROCKETMQ_HOME without jars.
type Error struct {
	Step    string // what was being done, e.g. "resolve RocketMQ jars"
	Err     error
	LogTail string // the end of Maven's log, when it ran
}

func (e *Error) Error() string { return e.Step + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

func stepErr(step string, err error) *Error { return &Error{Step: step, Err: err} }

// tail returns at most n trailing lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
