package cli_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoUnreachableCode: no function of the module is unreachable from
// its commands or its tests (golang.org/x/tools' deadcode, a tool of the
// module). Code that only tests reach is allowed where ARCHITECTURE.md
// names it ("Reached only by tests").
func TestNoUnreachableCode(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses the whole module (about 25 s)")
	}
	cmd := exec.Command("go", "tool", "deadcode", "-test", "./...")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool deadcode: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("unreachable code (delete it, or let a test reach it and name it in ARCHITECTURE.md):\n%s", s)
	}
}
