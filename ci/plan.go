package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rmqkb/conformance/verdict"
)

// Plan is the whole pipeline as a value: what dagger.go executes, and what
// the tests check without an engine.
type Plan struct {
	Build  BuildStep
	Run    RunStep
	Export Export
}

// BuildStep builds the suite binary in a Go container.
type BuildStep struct {
	Image   string
	Source  string   // host folder mounted at Workdir: the repository
	Exclude []string // not sent to the engine
	Workdir string
	Caches  []CacheMount
	Env     []EnvVar
	Command []string
	Binary  string // path of the built binary in this container
}

// RunStep runs dockerd and then the suite's e2e in one privileged
// container, so kind's nodes and the suite share a network namespace and
// the routes e2e adds to the pod CIDR work.
type RunStep struct {
	Image string
	// Privileged maps to InsecureRootCapabilities: dockerd and kind need it.
	Privileged bool
	Caches     []CacheMount
	Binary     string // where the built binary is copied
	Env        []EnvVar
	// E2E is the suite's command line, exactly as a user would run it.
	E2E []string
	// Command is what the container executes: a shell script that starts
	// dockerd, then runs "$@", which is E2E.
	Command []string
	Reports string // folder in the container holding the reports
}

// Export copies the run container's reports to the host.
type Export struct{ From, To string }

// CacheMount is a named cache volume mounted at Path. Locked means one
// user at a time (a docker store cannot be shared by two dockerds).
type CacheMount struct {
	Path, Volume string
	Locked       bool
}

// EnvVar is one environment variable; a slice keeps the order stable.
type EnvVar struct{ Name, Value string }

// Images and names the pipeline uses.
const (
	GoImage      = "golang:1.26"
	DindImage    = "docker:27-dind"
	SourceDir    = "/src"
	BuiltBinary  = "/out/rmqkb"
	SuiteBinary  = "/usr/local/bin/rmqkb"
	GoModCache   = "rmqkb-ci-go-mod"
	GoBuildCache = "rmqkb-ci-go-build"
	DockerStore  = "rmqkb-ci-docker-store"
)

var (
	digestRE  = regexp.MustCompile(`^[^@\s]+@sha256:[0-9a-f]{64}$`)
	versionRE = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
)

// NewPlan checks f and builds the pipeline. Errors name the flag.
func NewPlan(f Flags) (Plan, error) {
	if err := check(f); err != nil {
		return Plan{}, err
	}
	e2e := append([]string{SuiteBinary}, E2EArgs(f)...)
	keep := ""
	if f.KeepOnFailure {
		keep = "1"
	}
	return Plan{
		Build: BuildStep{
			Image:   GoImage,
			Source:  ".",
			Exclude: []string{".git", "reports"},
			Workdir: SourceDir,
			Caches: []CacheMount{
				{Path: "/go/pkg/mod", Volume: GoModCache},
				{Path: "/root/.cache/go-build", Volume: GoBuildCache},
			},
			// Static, so the glibc-built binary runs on the Alpine dind image.
			Env:     []EnvVar{{"CGO_ENABLED", "0"}, {"GOFLAGS", "-buildvcs=false"}},
			Command: []string{"go", "build", "-o", BuiltBinary, "."},
			Binary:  BuiltBinary,
		},
		Run: RunStep{
			Image:      DindImage,
			Privileged: true,
			Caches:     []CacheMount{{Path: "/var/lib/docker", Volume: DockerStore, Locked: true}},
			Binary:     SuiteBinary,
			Env: []EnvVar{
				{"DOCKER_TLS_CERTDIR", ""}, // plain unix socket, no 15 s TLS wait
				{"RMQKB_CI_KEEP_ON_FAILURE", keep},
				{"RMQKB_CI_RUN_ID", f.RunID},
			},
			E2E:     e2e,
			Command: append([]string{"sh", "-c", runScript, "rmqkb-ci"}, e2e...),
			Reports: ReportsInContainer,
		},
		Export: Export{From: ReportsInContainer, To: f.Reports},
	}, nil
}

// runScript starts dockerd in this container, waits for it, removes
// containers a kept earlier run left in the docker store, runs "$@" (the
// e2e command) and exits with its code. With --keep-on-failure e2e got
// --keep, so a passing run is torn down here; a failing one is left.
const runScript = `set -u
mkdir -p ` + ReportsInContainer + `
dockerd-entrypoint.sh dockerd --host=unix:///var/run/docker.sock --tls=false >/var/log/dockerd.log 2>&1 &
i=0
until docker info >/dev/null 2>&1; do
  i=$((i+1))
  if [ "$i" -ge 90 ]; then
    echo "dockerd did not start within 90 s:" >&2
    tail -n 50 /var/log/dockerd.log >&2
    exit 2
  fi
  sleep 1
done
old=$(docker ps -aq)
if [ -n "$old" ]; then docker rm -f $old >/dev/null; fi
"$@"
rc=$?
if [ "$rc" -eq 0 ] && [ -n "${RMQKB_CI_KEEP_ON_FAILURE:-}" ]; then
  "$1" down || echo "down after a passing run failed" >&2
fi
exit "$rc"
`

func check(f Flags) error {
	if !digestRE.MatchString(f.KindNodeImage) {
		return usagef("--kind-node-image %q: expected an image pinned by digest (name:tag@sha256:<64 hex>)", f.KindNodeImage)
	}
	if !versionRE.MatchString(f.KubeBlocksVersion) {
		return usagef("--kubeblocks-version %q: expected a version like 1.0.2", f.KubeBlocksVersion)
	}
	if !versionRE.MatchString(f.AddonVersion) {
		return usagef("--addon-version %q: expected a version like 1.0.2", f.AddonVersion)
	}
	if f.Run != "" && len(f.Suites) > 0 {
		return usagef("--run and --suites: give one of them")
	}
	for _, s := range f.Suites {
		if !slices.Contains(verdict.Suites, s) {
			return usagef("--suites: unknown suite %q; expected some of %s", s, strings.Join(verdict.Suites, ", "))
		}
	}
	if _, err := regexp.Compile(runRegex(f)); err != nil {
		return usagef("--run %q is not a regular expression: %v", f.Run, err)
	}
	if f.Namesrvs < 0 || f.Namesrvs > 8 {
		return usagef("--namesrvs %d: expected 1 to 8, or 0 for the manifest's", f.Namesrvs)
	}
	if f.Shards < 0 || f.Shards > 128 {
		return usagef("--shards %d: expected 1 to 128, or 0 for the manifest's", f.Shards)
	}
	if _, err := verdict.ParseProfile(f.Profile); err != nil {
		return usageError{err.Error()}
	}
	if f.Replicas < 0 || f.Replicas > 8 {
		return usagef("--replicas %d: expected 1 to 8, or 0 for the manifest's", f.Replicas)
	}
	if f.Timeout <= 0 {
		return usagef("--timeout %s: expected a positive duration", f.Timeout)
	}
	if strings.TrimSpace(f.Reports) == "" {
		return usagef("--reports: expected a folder")
	}
	return nil
}

// String is the plan in a few lines, for the log.
func (p Plan) String() string {
	return fmt.Sprintf("build: %s %v\nrun:   %s (privileged=%v, %s at %s) %s\nexport: %s -> %s",
		p.Build.Image, p.Build.Command, p.Run.Image, p.Run.Privileged,
		DockerStore, "/var/lib/docker", strings.Join(p.Run.E2E, " "), p.Export.From, p.Export.To)
}
