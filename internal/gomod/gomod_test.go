package gomod

import (
	"strings"
	"testing"
)

// TestDirNamesWhatFailed: a module that cannot be resolved gives an
// error naming it and the command tried, with go's reason.
func TestDirNamesWhatFailed(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	const mod = "github.com/apecloud/kubeblocks@v0.0.0-not-a-release"
	_, err := Dir(mod)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"resolve " + mod, "mod download -json " + mod, "GOPROXY=off"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
