package images

import (
	"os"
	"path/filepath"
)

// Layout is where the build keeps what it makes, under one folder (by
// default the suite's cache folder, images/).
type Layout struct{ Root string }

// Bin is the folder of one Go module's binaries, keyed by its version.
func (l Layout) Bin(module, version string) string {
	return filepath.Join(l.Root, "bin", module+"-"+version)
}

// Registry is the local registry's storage.
func (l Layout) Registry() string { return filepath.Join(l.Root, "registry") }

// Downloads keeps what Maven and apt fetch for the images.
func (l Layout) Downloads() string { return filepath.Join(l.Root, "downloads") }

// Work is a scratch folder for one build; Build removes it.
func (l Layout) Work() (string, error) {
	if err := os.MkdirAll(l.Root, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(l.Root, "work-")
}
