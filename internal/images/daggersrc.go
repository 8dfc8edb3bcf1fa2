package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
)

// DaggerSource is a checkout of the dagger repository that the engine and
// its CLI are built from, because neither the engine image nor the module
// github.com/dagger/dagger is served where the suite is built. Replace
// names a folder for each module the Go proxy refuses (a checkout of that
// module at the version the source's go.mod requires); the user holds all
// of these, the project only the recipe.
type DaggerSource struct {
	Dir     string
	Replace map[string]string // module path -> folder
	// Version is stamped into the engine and the CLI as upstream's release
	// build does; the SDK refuses an engine of another version.
	Version string
}

// daggerModule is the module a dagger checkout's go.mod must declare.
const daggerModule = "github.com/dagger/dagger"

// CheckDaggerSource says what is wrong with s before anything is built:
// the folder is a dagger checkout, and each replacement is a folder whose
// go.mod declares the module it replaces, which the checkout requires.
func CheckDaggerSource(s DaggerSource) error {
	f, err := readModFile(s.Dir)
	if err != nil {
		return fmt.Errorf("--dagger-source %s: %w", s.Dir, err)
	}
	if f.Module == nil || f.Module.Mod.Path != daggerModule {
		return fmt.Errorf("--dagger-source %s: expected a checkout of %s (its go.mod declares another module)", s.Dir, daggerModule)
	}
	required := map[string]string{}
	for _, r := range f.Require {
		required[r.Mod.Path] = r.Mod.Version
	}
	for _, mod := range sortedKeys(s.Replace) {
		dir := s.Replace[mod]
		rf, err := readModFile(dir)
		if err != nil {
			return fmt.Errorf("--dagger-replace %s=%s: %w", mod, dir, err)
		}
		if rf.Module == nil || rf.Module.Mod.Path != mod {
			got := ""
			if rf.Module != nil {
				got = rf.Module.Mod.Path
			}
			return fmt.Errorf("--dagger-replace %s=%s: that folder's go.mod declares %q, expected %s", mod, dir, got, mod)
		}
		if _, ok := required[mod]; !ok {
			return fmt.Errorf("--dagger-replace %s=%s: the dagger source does not require %s", mod, dir, mod)
		}
	}
	if !strings.HasPrefix(s.Version, "v") {
		return fmt.Errorf("--dagger-version %q: expected a version like v0.21.9", s.Version)
	}
	return nil
}

func readModFile(dir string) (*modfile.File, error) {
	p := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("no go.mod: %w", err)
	}
	return modfile.Parse(p, data, nil)
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// daggerModFile writes the go.mod the build uses in place of the
// checkout's (go build -modfile), with its go.sum beside it: the
// checkout's, every relative replacement made absolute (they are relative
// to the checkout, not to this file) and the user's replacements added.
// The checkout itself is never written to.
func daggerModFile(s DaggerSource, dir string) (string, error) {
	f, err := readModFile(s.Dir)
	if err != nil {
		return "", err
	}
	for _, r := range f.Replace {
		if modfile.IsDirectoryPath(r.New.Path) && !filepath.IsAbs(r.New.Path) {
			abs := filepath.Join(s.Dir, r.New.Path)
			if err := f.AddReplace(r.Old.Path, r.Old.Version, abs, ""); err != nil {
				return "", err
			}
		}
	}
	for _, mod := range sortedKeys(s.Replace) {
		abs, err := filepath.Abs(s.Replace[mod])
		if err != nil {
			return "", err
		}
		if err := f.AddReplace(mod, "", abs, ""); err != nil {
			return "", err
		}
	}
	data, err := f.Format()
	if err != nil {
		return "", err
	}
	mod := filepath.Join(dir, "dagger.mod")
	if err := os.WriteFile(mod, data, 0o644); err != nil {
		return "", err
	}
	sum, err := os.ReadFile(filepath.Join(s.Dir, "go.sum"))
	if err != nil {
		return "", err
	}
	return mod, os.WriteFile(filepath.Join(dir, "dagger.sum"), sum, 0o644)
}

// daggerPkgs are the binaries of the engine image and the CLI, with the
// names upstream's image gives them (toolchains/engine-dev/build of the
// dagger repository). The engine alone is built with the Dockerfile
// frontend's optional features, as upstream builds it.
var daggerPkgs = []struct {
	pkg, name  string
	engineTags bool
}{
	{"./cmd/engine", "dagger-engine", true},
	{"./cmd/dagger", "dagger", false},
	{"./cmd/dialstdio", "dial-stdio", false},
	{"./cmd/dnsname", "dnsname", false},
	{"./cmd/init", "dagger-init", false},
}

// buildDagger builds the engine's binaries and the CLI from s into the
// layout, keyed by the version and a hash of the sources (the checkout
// and each replacement), unless a complete build of the same is there.
func buildDagger(ctx context.Context, l Layout, work string, s DaggerSource, nice bool, log func(string, ...any)) (string, bool, error) {
	dirs := []string{s.Dir}
	for _, mod := range sortedKeys(s.Replace) {
		dirs = append(dirs, s.Replace[mod])
	}
	sum, err := sourceHash(append([]string{s.Version}, sortedKeys(s.Replace)...), dirs...)
	if err != nil {
		return "", false, err
	}
	out := l.Bin("dagger", s.Version+"-"+sum)
	if _, err := os.Stat(filepath.Join(out, builtStamp)); err == nil {
		return out, true, nil
	}
	mod, err := daggerModFile(s, work)
	if err != nil {
		return "", false, err
	}
	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return "", false, err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", false, err
	}
	ldflags := fmt.Sprintf("-s -w -X %s/engine.Version=%s -X %s/engine.Tag=%s", daggerModule, s.Version, daggerModule, s.Version)
	for _, p := range daggerPkgs {
		args := []string{"build", "-modfile", mod, "-mod=mod", "-trimpath", "-buildvcs=false", "-ldflags=" + ldflags}
		if p.engineTags {
			args = append(args, "-tags", "dfexcludepatterns,dfparents")
		}
		args = append(args, "-o", filepath.Join(tmp, p.name), p.pkg)
		log("go build %s (dagger %s)", p.pkg, s.Version)
		t0 := time.Now()
		if err := goBuild(ctx, s.Dir, nice, []string{"CGO_ENABLED=0"}, args...); err != nil {
			return "", false, fmt.Errorf("%w (a module the Go proxy refuses is given with --dagger-replace MODULE=DIR)", err)
		}
		log("built %s in %s", p.name, time.Since(t0).Round(time.Second))
	}
	return out, false, finishBuild(tmp, out, s.Version+" "+sum)
}

// sourceHash hashes the given words and every file under dirs (names,
// modes, contents; .git folders left out), so that any change of the
// sources makes a new build and an unchanged tree reuses the last one.
func sourceHash(words []string, dirs ...string) (string, error) {
	h := sha256.New()
	io.WriteString(h, strings.Join(words, "\x00"))
	for _, dir := range dirs {
		fmt.Fprintf(h, "\x01%s", filepath.Base(dir))
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == ".git" {
				return filepath.SkipDir
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			fmt.Fprintf(h, "\x00%s\x00%o\x00", rel, fi.Mode())
			if fi.Mode().IsRegular() {
				return hashFile(h, p)
			}
			if fi.Mode()&fs.ModeSymlink != 0 {
				t, _ := os.Readlink(p)
				io.WriteString(h, t)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func hashFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
