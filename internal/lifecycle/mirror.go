package lifecycle

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/rmqkb/conformance/internal/mirror"
)

// upstreamServer is each registry's own address, the fallback containerd
// tries after the mirror (it fails fast offline: DNS).
func upstreamServer(registry string) string {
	if registry == "docker.io" {
		return "https://registry-1.docker.io"
	}
	return "https://" + registry
}

// hostsFile is containerd's hosts.toml: the upstream server, and one host
// tried first. The mirror keeps each upstream under a path prefix named for
// it (HOST:PORT/v2/docker.io/apecloud/rocketmq/...), so one registry holds
// them all without collisions: override_path tells containerd the path is
// given in full.
type hostsFile struct {
	Server string                `toml:"server"`
	Host   map[string]mirrorHost `toml:"host"`
}

type mirrorHost struct {
	Capabilities []string `toml:"capabilities"`
	OverridePath bool     `toml:"override_path"`
}

// MirrorHostsTOML renders the hosts.toml of one upstream registry.
func MirrorHostsTOML(mirror, registry string) ([]byte, error) {
	f := hostsFile{
		Server: upstreamServer(registry),
		Host: map[string]mirrorHost{
			fmt.Sprintf("http://%s/v2/%s", mirror, registry): {Capabilities: []string{"pull", "resolve"}, OverridePath: true},
		},
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteMirrorHosts writes dir/<registry>/hosts.toml for every mirrored
// registry: the folder kind mounts at /etc/containerd/certs.d.
func WriteMirrorHosts(dir, addr string) error {
	for _, r := range mirror.Upstreams {
		data, err := MirrorHostsTOML(addr, r)
		if err != nil {
			return fmt.Errorf("hosts.toml for %s: %w", r, err)
		}
		if err := os.MkdirAll(filepath.Join(dir, r), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, r, "hosts.toml"), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
