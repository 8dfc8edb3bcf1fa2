package lifecycle

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
)

// kindNetwork is the Docker network kind puts its nodes on.
const kindNetwork = "kind"

// connectMirror connects the registry mirror to kind's network when its
// host is the name of a Docker container (as `go run . images` runs it),
// so that the nodes reach it by name through Docker's DNS. A mirror that
// is not a container is left alone: it must be reachable from the nodes
// by itself. Connecting twice is not an error.
func connectMirror(ctx context.Context, mirror string, w io.Writer) error {
	host, _, err := net.SplitHostPort(mirror)
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "docker", "inspect", "--type", "container", "--format",
		"{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", host).Output()
	if err != nil {
		fmt.Fprintf(w, "  registry mirror %s: no container named %s; the nodes must reach it by themselves\n", mirror, host)
		return nil
	}
	for _, n := range strings.Fields(string(out)) {
		if n == kindNetwork {
			return nil
		}
	}
	if out, err := exec.CommandContext(ctx, "docker", "network", "connect", kindNetwork, host).CombinedOutput(); err != nil {
		return fmt.Errorf("connect the registry mirror %s to Docker network %s: %v: %s", host, kindNetwork, err, oneLine(string(out)))
	}
	fmt.Fprintf(w, "  registry mirror %s connected to Docker network %s\n", host, kindNetwork)
	return nil
}
