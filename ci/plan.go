package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/internal/usage"

	"github.com/rmqkb/conformance/internal/mirror"
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
	Image  string
	Source string // host folder mounted at Workdir: the repository
	// Exclude is not sent to the engine, nor is what the checkout's
	// .gitignore ignores (earlier reports, a built binary): only sources.
	Exclude []string
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
	// FromBuild are folders of the build container copied in: the Go
	// toolchain, which e2e runs to find modules it reads data from
	// (KubeBlocks' CRDs and chart) in the module cache, mounted too.
	FromBuild []string
	// Inputs are this host's chart folders and the runc wrapper, mounted
	// read-only.
	Inputs []Input
	Env    []EnvVar
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

// Names the pipeline uses.
const (
	SourceDir    = "/src"
	BuiltBinary  = "/out/rmqkb"
	SuiteBinary  = "/usr/local/bin/rmqkb"
	GoModCache   = "rmqkb-ci-go-mod"
	GoBuildCache = "rmqkb-ci-go-build"
	DockerStore  = "rmqkb-ci-docker-store"
	// GoRoot is where the Go image keeps Go, as the official image does.
	GoRoot = "/usr/local/go"
	// Wrapper is where the run step finds the runc wrapper it gives its
	// dockerd on a host without CAP_SYS_RESOURCE (scripts/runc-nosysres).
	Wrapper = "/usr/local/bin/runc-nosysres"
)

// wrapperSource is the runc wrapper in the checkout the pipeline builds.
const wrapperSource = "scripts/runc-nosysres"

// runPath is the run step's PATH: Go from the build step first.
const runPath = GoRoot + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

var (
	digestRE  = regexp.MustCompile(`^[^@\s]+@sha256:[0-9a-f]{64}$`)
	versionRE = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
)

// NewPlan checks f and builds the pipeline. Errors name the flag.
func NewPlan(f Flags) (Plan, error) {
	if err := check(f); err != nil {
		return Plan{}, err
	}
	inputs, charts, err := runInputs(f)
	if err != nil {
		return Plan{}, err
	}
	e2e := append([]string{SuiteBinary}, E2EArgs(f, charts)...)
	keep := ""
	if f.KeepOnFailure {
		keep = "1"
	}
	return Plan{
		Build: BuildStep{
			Image:   f.GoImage,
			Source:  ".",
			Exclude: sourceExcludes(f.Reports),
			Workdir: SourceDir,
			Caches: []CacheMount{
				{Path: "/go/pkg/mod", Volume: GoModCache},
				{Path: "/root/.cache/go-build", Volume: GoBuildCache},
			},
			// Static, so the binary runs on any run image (Alpine's included).
			Env:     []EnvVar{{"CGO_ENABLED", "0"}, {"GOFLAGS", "-buildvcs=false"}},
			Command: []string{"go", "build", "-o", BuiltBinary, "."},
			Binary:  BuiltBinary,
		},
		Run: RunStep{
			Image:      f.DindImage,
			Privileged: true,
			Caches: []CacheMount{
				{Path: "/var/lib/docker", Volume: DockerStore, Locked: true},
				{Path: "/go/pkg/mod", Volume: GoModCache},
			},
			Binary:    SuiteBinary,
			FromBuild: []string{GoRoot},
			Inputs:    inputs,
			Env: []EnvVar{
				{"DOCKER_TLS_CERTDIR", ""}, // plain unix socket, no 15 s TLS wait
				{"PATH", runPath},
				{"GOPATH", "/go"},
				{"GOTOOLCHAIN", "local"},
				{"RMQKB_CI_INSECURE_REGISTRY", f.RegistryMirror},
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
// what a kept or interrupted earlier run left in the docker store, runs
// "$@" (the e2e command) and exits with its code. With --keep-on-failure
// e2e got --keep, so a passing run is torn down here; a failing one is
// left.
//
// dockerd is started as the image starts it (docker:dind's entrypoint
// script where there is one), trusting the registry mirror over plain HTTP
// for the node image. On a host whose capability bounding set lacks
// CAP_SYS_RESOURCE (bit 24), which --privileged asks runc for, it gets the
// runc wrapper the host's engine needs for the same reason. On cgroup v2 it
// first moves out of the root group, so that the controllers can be
// delegated to kind's nodes, as dind does.
const runScript = `set -u
mkdir -p ` + ReportsInContainer + `
` + cgroupV2Leftovers + `
clean_v2
# kind mounts /lib/modules into its nodes; a container has none of its own.
mkdir -p /lib/modules
# On cgroup v1, Dagger's insecure mode allows every character and block
# device but not the "all" rule that docker --privileged (kind's nodes)
# writes for its containers, which a child cgroup may only copy from its
# parent: give this container's own device cgroup that rule first.
dev=/sys/fs/cgroup/devices
if [ -f $dev/devices.allow ] && ! grep -q '^a \*:\* rwm' $dev/devices.list; then
  echo a > $dev/devices.allow || echo "cannot allow every device in $dev: kind's privileged nodes may not start" >&2
fi
` + dockerdOptions + `
if command -v dockerd-entrypoint.sh >/dev/null 2>&1; then
  dockerd-entrypoint.sh dockerd $opts --tls=false >/var/log/dockerd.log 2>&1 &
else
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
    sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control || :
  fi
  dockerd $opts >/var/log/dockerd.log 2>&1 &
fi
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
if [ -n "$old" ]; then docker rm -f -v $old >/dev/null; fi
docker volume prune -f >/dev/null 2>&1 || :
docker network prune -f >/dev/null 2>&1 || :
"$@"
rc=$?
if [ "$rc" -eq 0 ] && [ -n "${RMQKB_CI_KEEP_ON_FAILURE:-}" ]; then
  "$1" down || echo "down after a passing run failed" >&2
fi
clean_v2
exit "$rc"
`

// cgroupV2Leftovers defines clean_v2. On a hybrid cgroup host (v1
// controllers with a v2 hierarchy beside them, as this project's VM), the
// engine's containers share its v2 cgroup, and the systemd of each kind
// node keeps its unified cgroups (init.scope, system.slice, kubelet.slice)
// there, where they outlive the node. The next run's node then fails to
// place itself ("Failed to attach 1 to compat systemd cgroup /init.scope")
// and its kubelet never starts. clean_v2 removes the empty cgroups under
// this container's v2 cgroup, depth first: a cgroup in use is never empty,
// and rmdir refuses it. Never at the root, nor on a pure v2 or v1 host.
// (The tests point RMQKB_CI_PROC_CGROUP and RMQKB_CI_CGROUP_FS at files of
// their own.)
const cgroupV2Leftovers = `clean_v2() {
  v2=$(sed -n 's/^0:://p' "${RMQKB_CI_PROC_CGROUP:-/proc/self/cgroup}")
  if [ -n "$v2" ] && [ "$v2" != "/" ] && [ ! -f "${RMQKB_CI_CGROUP_FS:-/sys/fs/cgroup}/cgroup.controllers" ]; then
    m=$(mktemp -d)
    if mount -t cgroup2 none "$m" 2>/dev/null; then
      find "$m$v2" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
      umount "$m"
    fi
    rmdir "$m"
  fi
}`

// dockerdOptions is the part of runScript that sets $opts, dockerd's
// flags, and touches nothing: the tests run it alone, pointing
// RMQKB_CI_PROC_STATUS at a status file of their own.
const dockerdOptions = `opts="--host=unix:///var/run/docker.sock"
if [ -n "${RMQKB_CI_INSECURE_REGISTRY:-}" ]; then
  opts="$opts --insecure-registry=$RMQKB_CI_INSECURE_REGISTRY"
fi
bnd=$(awk '/^CapBnd:/ {print $2}' "${RMQKB_CI_PROC_STATUS:-/proc/self/status}")
if [ $(( (0x$bnd >> 24) & 1 )) -eq 0 ]; then
  for c in bash jq; do
    if ! command -v "$c" >/dev/null 2>&1; then
      echo "this host lacks CAP_SYS_RESOURCE, so dockerd needs the runc wrapper ` + Wrapper + `, which needs $c: the run image has none (use one with bash and jq, e.g. the one go run . images builds)" >&2
      exit 2
    fi
  done
  opts="$opts --add-runtime nosysres=` + Wrapper + ` --default-runtime nosysres"
  echo "no CAP_SYS_RESOURCE here: dockerd runs containers through ` + Wrapper + `"
fi`

// sourceExcludes keeps .git and the export folder, where it lies in the
// checkout under a name .gitignore may not know, out of the build's
// sources. (The reports package itself is a source: `reports` is not
// excluded whole.)
func sourceExcludes(reports string) []string {
	ex := []string{".git"}
	if rel := filepath.Clean(reports); !filepath.IsAbs(rel) && rel != "." && rel != "reports" && !strings.HasPrefix(rel, "..") {
		ex = append(ex, rel)
	}
	return ex
}

// runInputs are the host folders the run step mounts (the charts with
// their file:// dependencies, the runc wrapper) and the charts' paths in
// it, by e2e flag.
func runInputs(f Flags) ([]Input, map[string]string, error) {
	in := []Input{{Host: wrapperSource, Path: Wrapper, File: true}}
	charts := map[string]string{}
	for _, c := range []struct{ flag, dir string }{{"--addon-chart", f.AddonChart}, {"--kubeblocks-chart", f.KubeBlocksChart}} {
		if c.dir == "" {
			continue
		}
		mounts, at, err := chartInputs(c.flag, c.dir)
		if err != nil {
			return nil, nil, err
		}
		in = append(in, mounts...)
		charts[c.flag] = at
	}
	return in, charts, nil
}

func check(f Flags) error {
	if !digestRE.MatchString(f.KindNodeImage) {
		return usage.Errorf("--kind-node-image %q: expected an image pinned by digest (name:tag@sha256:<64 hex>)", f.KindNodeImage)
	}
	if !versionRE.MatchString(f.KubeBlocksVersion) {
		return usage.Errorf("--kubeblocks-version %q: expected a version like 1.0.2", f.KubeBlocksVersion)
	}
	if !versionRE.MatchString(f.AddonVersion) {
		return usage.Errorf("--addon-version %q: expected a version like 1.0.2", f.AddonVersion)
	}
	if f.Run != "" && len(f.Suites) > 0 {
		return usage.Errorf("--run and --suites: give one of them")
	}
	for _, s := range f.Suites {
		if !slices.Contains(verdict.Suites, s) {
			return usage.Errorf("--suites: unknown suite %q; expected some of %s", s, strings.Join(verdict.Suites, ", "))
		}
	}
	if _, err := regexp.Compile(runRegex(f)); err != nil {
		return usage.Errorf("--run %q is not a regular expression: %v", f.Run, err)
	}
	if err := topology.CheckShape(f.Namesrvs, f.Shards, f.Replicas); err != nil {
		return usage.Wrap(err)
	}
	if _, err := verdict.ParseProfile(f.Profile); err != nil {
		return usage.Wrap(err)
	}
	if f.Timeout <= 0 {
		return usage.Errorf("--timeout %s: expected a positive duration", f.Timeout)
	}
	if strings.TrimSpace(f.Reports) == "" {
		return usage.Errorf("--reports: expected a folder")
	}
	if f.RegistryMirror != "" {
		if err := mirror.Check(f.RegistryMirror); err != nil {
			return usage.Errorf("--registry-mirror: %v", err)
		}
	}
	for flag, img := range map[string]string{"--go-image": f.GoImage, "--dind-image": f.DindImage} {
		if strings.TrimSpace(img) == "" || strings.ContainsAny(img, " \t") {
			return usage.Errorf("%s %q: expected an image reference", flag, img)
		}
	}
	return nil
}

// String is the plan in a few lines, for the log.
func (p Plan) String() string {
	return fmt.Sprintf("build: %s %v\nrun:   %s (privileged=%v, %s at %s) %s\nexport: %s -> %s",
		p.Build.Image, p.Build.Command, p.Run.Image, p.Run.Privileged,
		DockerStore, "/var/lib/docker", strings.Join(p.Run.E2E, " "), p.Export.From, p.Export.To)
}
