package images

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Recipe is one image: the name the charts or kind ask for, a base, the
// files put into it and its configuration. It renders to a Dockerfile and
// a build context for the legacy builder, which builds offline from a
// local base.
type Recipe struct {
	Ref        string // e.g. docker.io/apecloud/rocketmq:4.9.6-r1
	Base       string // a local image (a Base's Ref), or "scratch"
	Files      []File
	Run        []string // shell commands, run as root after the files are in
	Env        []string // KEY=VALUE
	User       string
	Workdir    string
	Entrypoint []string
	Cmd        []string
	Labels     map[string]string
	// Preload marks kind's own images: imported into the node image rather
	// than pulled through the mirror.
	Preload bool
}

// File is one file or folder put into an image.
type File struct {
	From  string // a path on this machine; a folder is copied whole
	Data  []byte // or the content itself
	To    string // absolute path in the image
	Mode  fs.FileMode
	Owner string // uid:gid, for COPY --chown
}

// recipeLabel carries the hash of a recipe's rendered context, so that a
// rerun knows whether the image it finds is current.
const recipeLabel = "io.rmqkb.conformance.recipe"

// Render writes the build context of r into dir (a Dockerfile and one
// entry per file, named f0, f1, ...) and returns the hash of it all, which
// the Dockerfile also carries as a label.
func (r Recipe) Render(dir string) (string, error) {
	var df strings.Builder
	fmt.Fprintf(&df, "FROM %s\n", r.Base)
	for i, f := range r.Files {
		name := fmt.Sprintf("f%d", i)
		if err := f.place(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("image %s: %s: %w", r.Ref, f.To, err)
		}
		chown := ""
		if f.Owner != "" {
			chown = "--chown=" + f.Owner + " "
		}
		fmt.Fprintf(&df, "COPY %s%s %s\n", chown, name, f.To)
	}
	for _, c := range r.Run {
		fmt.Fprintf(&df, "RUN %s\n", c)
	}
	for _, e := range r.Env {
		k, v, _ := strings.Cut(e, "=")
		fmt.Fprintf(&df, "ENV %s=%s\n", k, quote(v))
	}
	if r.Workdir != "" {
		fmt.Fprintf(&df, "WORKDIR %s\n", r.Workdir)
	}
	if r.User != "" {
		fmt.Fprintf(&df, "USER %s\n", r.User)
	}
	if r.Entrypoint != nil {
		fmt.Fprintf(&df, "ENTRYPOINT %s\n", jsonList(r.Entrypoint))
	}
	if r.Cmd != nil {
		fmt.Fprintf(&df, "CMD %s\n", jsonList(r.Cmd))
	}
	for _, k := range sortedKeys(r.Labels) {
		fmt.Fprintf(&df, "LABEL %s=%s\n", k, quote(r.Labels[k]))
	}
	sum, err := hashTree(dir, df.String())
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&df, "LABEL %s=%s\n", recipeLabel, sum)
	return sum, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df.String()), 0o644)
}

// place copies f to dst: a file keeps its mode unless f says one (the
// legacy builder's COPY keeps modes; it has no --chmod).
func (f File) place(dst string) error {
	if f.From == "" {
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		return os.WriteFile(dst, f.Data, mode)
	}
	fi, err := os.Stat(f.From)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return copyTree(f.From, dst)
	}
	mode := f.Mode
	if mode == 0 {
		mode = fi.Mode().Perm()
	}
	return copyFile(f.From, dst, mode)
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeFrom(in, dst, mode)
}

// writeFrom writes r to dst with mode (also when dst existed with another).
func writeFrom(r io.Reader, dst string, mode fs.FileMode) error {
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}

// copyTree copies a folder, following no symlinks out of it: links are
// copied as links.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, fi.Mode().Perm()|0o700)
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		default:
			return copyFile(p, to, fi.Mode().Perm())
		}
	})
}

// hashTree hashes a Dockerfile's text and every file under dir: names,
// modes and contents.
func hashTree(dir, dockerfile string) (string, error) {
	h := sha256.New()
	io.WriteString(h, dockerfile)
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && p != dir {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(paths)
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "\x00%s\x00%o\x00", rel, fi.Mode())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			t, _ := os.Readlink(p)
			io.WriteString(h, t)
		case fi.Mode().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return "", err
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func jsonList(s []string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// quote makes an ENV value one Dockerfile word.
func quote(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}
