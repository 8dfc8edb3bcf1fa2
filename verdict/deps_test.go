package verdict_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestReadersLinkNoClient holds the point of the package: what only reads
// verdicts (this package, the reports, the CI pipeline) links neither the
// RocketMQ client nor Kubernetes' API machinery.
func TestReadersLinkNoClient(t *testing.T) {
	for _, pkg := range []string{"github.com/rmqkb/conformance/verdict", "github.com/rmqkb/conformance/reports", "github.com/rmqkb/conformance/ci"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/apache/rocketmq-client-go") || strings.HasPrefix(dep, "k8s.io/") ||
				dep == "github.com/rmqkb/conformance/scenarios" {
				t.Errorf("%s links %s", pkg, dep)
			}
		}
	}
}
