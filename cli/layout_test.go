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
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool deadcode: %v\n%s", err, out)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("unreachable code (delete it, or let a test reach it and name it in ARCHITECTURE.md):\n%s", s)
	}
}

// TestImportsRunDown: no library (internal/) and no target (target/)
// imports the cases, the commands or the run path: the folders say which
// way the imports run (ARCHITECTURE.md, "Packages").
func TestImportsRunDown(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./internal/...", "./target/...", "./verdict/...", "./reports/...", "./manifests/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/rmqkb/conformance/"
	above := []string{"scenarios", "cli", "runner", "e2e", "ci", "testenv"}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			for _, a := range above {
				if imp == mod+a || strings.HasPrefix(imp, mod+a+"/") {
					t.Errorf("%s imports %s, above it", f[0], imp)
				}
			}
		}
	}
}
