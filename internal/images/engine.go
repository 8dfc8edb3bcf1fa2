package images

import (
	"encoding/json"
	"path/filepath"
	"slices"

	"github.com/rmqkb/conformance/internal/mirror"
)

// Engine is what the Dagger engine image is made of: the binaries built
// from the dagger source, runc and the CNI plugins from the Go module
// proxy, the pipeline base, and the registry the engine pulls through.
type Engine struct {
	Bins    string // dagger-engine, dial-stdio, dnsname, dagger-init and the CLI, dagger
	Version string // stamped into them
	Runc    string // folder holding runc
	CNI     string // folder holding the CNI plugins
	Base    string // the pipeline base image
	Mirror  string // HOST:PORT of the local registry as the engine reaches it
}

// Paths in the engine image, as upstream's image lays them out
// (engine/distconsts and toolchains/engine-dev of the dagger repository):
// the SDK's docker-container driver runs `buildctl dial-stdio` in it, and
// the engine looks for runc, dagger-init and the CNI plugins here.
const (
	engineConfigDir  = "/etc/dagger"
	engineEntrypoint = "/usr/local/bin/dagger-entrypoint.sh"
	// EngineSocket is where the engine listens in its container.
	EngineSocket = "/run/dagger/engine.sock"
)

// EngineRef is the engine image's name: not upstream's
// (registry.dagger.io/engine), since it is built differently.
func EngineRef(version string) string { return "rmqkb.local/dagger-engine:" + version }

// engineEntrypointScript starts the engine as upstream's image does: on a
// cgroup v2 host it first moves its processes into a child group so that
// the controllers can be delegated to the containers it runs; it asks for
// many open files (the engine keeps a database per client), and runs the
// engine under tini so that orphans are reaped.
const engineEntrypointScript = `#!/bin/sh
set -e
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	mkdir -p /sys/fs/cgroup/init
	xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs || :
	sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control
fi
ulimit -n 1048576 || echo "the open files limit stays $(ulimit -n)"
exec tini -- dagger-engine --config ` + engineConfigDir + `/engine.toml "$@"
`

// engineTOML is the buildkitd-format configuration; upstream's image
// ships it empty unless a developer sets keys, and so does this one.
const engineTOML = "# buildkitd settings; none differ from the engine's defaults\n"

// EngineRegistries is the engine's registries setting (engine.json): each
// upstream the image set serves, and rmqkb.local (the pipeline's own
// images), mirrored to the local registry under a path named for it, the
// layout `images` pushes; the registry itself spoken to over plain HTTP.
func EngineRegistries(addr string) map[string]RegistryConfig {
	regs := map[string]RegistryConfig{addr: {HTTP: true}}
	for _, up := range append(slices.Clone(mirror.Upstreams), PipelineRegistry) {
		regs[up] = RegistryConfig{Mirrors: []string{addr + "/" + up}}
	}
	return regs
}

// RegistryConfig is one entry of the engine's registries (the JSON of
// engine/config.RegistryConfig in the dagger repository).
type RegistryConfig struct {
	Mirrors []string `json:"mirrors,omitempty"`
	HTTP    bool     `json:"http,omitempty"`
}

// engineJSON is /etc/dagger/engine.json.
func engineJSON(mirror string) []byte {
	data, err := json.MarshalIndent(struct {
		Registries map[string]RegistryConfig `json:"registries"`
	}{EngineRegistries(mirror)}, "", "  ")
	if err != nil {
		panic(err) // a map of plain structs always marshals
	}
	return append(data, '\n')
}

// enginePath puts /usr/bin before /usr/sbin: the engine runs the xtables
// commands it finds first, and expects them in /usr/bin.
const enginePath = "/usr/local/sbin:/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin"

// engineRecipe is the engine image.
func engineRecipe(e Engine) Recipe {
	bin := func(dir, name, to string) File {
		return File{From: filepath.Join(dir, name), To: to, Mode: 0o755}
	}
	files := []File{
		bin(e.Bins, "dagger-engine", "/usr/local/bin/dagger-engine"),
		bin(e.Bins, "dial-stdio", "/usr/bin/dial-stdio"),
		bin(e.Bins, "dnsname", "/opt/cni/bin/dnsname"),
		bin(e.Bins, "dagger-init", "/usr/local/bin/dagger-init"),
		bin(e.Bins, "dagger", "/usr/local/bin/dagger"),
		bin(e.Runc, "runc", "/usr/local/bin/runc"),
		{Data: []byte(engineTOML), To: engineConfigDir + "/engine.toml"},
		{Data: engineJSON(e.Mirror), To: engineConfigDir + "/engine.json"},
		{Data: []byte(engineEntrypointScript), To: engineEntrypoint, Mode: 0o755},
	}
	for _, p := range []string{"bridge", "loopback", "firewall", "host-local"} {
		files = append(files, bin(e.CNI, p, "/opt/cni/bin/"+p))
	}
	return Recipe{
		Ref: EngineRef(e.Version), Base: e.Base, Files: files,
		Run: []string{"ln -s /usr/bin/dial-stdio /usr/bin/buildctl && ln -s /usr/bin/tini /usr/local/bin/tini" +
			" && ln -sf /usr/sbin/xtables-legacy-multi /usr/sbin/xtables-nft-multi /usr/bin/ && mkdir -p /var/lib/dagger"},
		Env:        []string{"PATH=" + enginePath, "_EXPERIMENTAL_DAGGER_RUNNER_HOST=unix://" + EngineSocket},
		Entrypoint: []string{engineEntrypoint},
		Labels:     map[string]string{"org.opencontainers.image.version": e.Version},
	}
}
