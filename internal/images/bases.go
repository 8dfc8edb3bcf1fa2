package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The two bases every image of the set is built on, both made here from
// Debian's archive: busybox for static binaries, and one Debian rootfs for
// everything that needs more (the kind node, kube-proxy, KubeBlocks' tools,
// the JVMs). One Debian base shared by all keeps its layer stored once.
const (
	debianSuite = "bookworm"
	basePath    = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// debianPackages are kind's base image packages (images/base/Dockerfile of
// the kind module, less NFS, iSCSI and rootless support, which the suite
// does not use), Debian's containerd, runc and CNI plugins in place of
// kind's builds, and what the RocketMQ images' scripts call (facts: the
// addon's scripts need bash, curl, openssl, getent, free, awk, sed).
var debianPackages = []string{
	"systemd", "systemd-sysv", "dbus", "conntrack", "iptables", "nftables", "iproute2", "ethtool",
	"util-linux", "mount", "kmod", "libseccomp2", "pigz", "e2fsprogs", "bash", "ca-certificates",
	"curl", "jq", "procps", "containerd", "runc", "containernetworking-plugins",
	"openjdk-17-jre-headless", "openssl", "gawk", "coreutils", "sed", "grep", "netbase",
}

// baseTag names a base by what it is made of, so that a change rebuilds it.
func baseTag(name string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "rmqkb.local/base/" + name + ":" + hex.EncodeToString(h[:])[:12]
}

// imageExists says whether the engine has ref.
func imageExists(ctx context.Context, ref string) bool {
	_, err := docker(ctx, "image", "inspect", "--format", "{{.Id}}", ref)
	return err == nil
}

// importRootfs turns a folder into an image: tar | docker import, with the
// environment the images rely on. The import goes to a temporary name that
// becomes ref only once it succeeded: an interrupted tar would otherwise
// leave an empty image under ref, which a rerun would take as built.
func importRootfs(ctx context.Context, rootfs, ref string) error {
	tmp := fmt.Sprintf("%s-partial-%d", ref, time.Now().UnixNano())
	defer docker(context.WithoutCancel(ctx), "rmi", tmp)
	if err := pipe(ctx,
		[]string{"tar", "--numeric-owner", "-C", rootfs, "-cf", "-", "."},
		[]string{"docker", "import", "--change", "ENV PATH=" + basePath, "-", tmp}); err != nil {
		return err
	}
	_, err := docker(ctx, "tag", tmp, ref)
	return err
}

// BusyboxBase builds the busybox base from Debian's busybox-static: the
// binary and a link for every applet, /etc/passwd and /etc/group, /tmp.
func BusyboxBase(ctx context.Context, work, downloads string) (string, bool, error) {
	ref := baseTag("busybox", debianSuite, "busybox-static")
	if imageExists(ctx, ref) {
		return ref, true, nil
	}
	deb, err := aptDownload(ctx, downloads, "busybox-static")
	if err != nil {
		return "", false, err
	}
	root := filepath.Join(work, "busybox-rootfs")
	x := filepath.Join(work, "busybox-deb")
	if _, err := run(ctx, "", nil, "dpkg-deb", "-x", deb, x); err != nil {
		return "", false, err
	}
	for _, d := range []string{"bin", "etc", "tmp", "usr/bin", "usr/local/bin", "sbin"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return "", false, err
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return "", false, err
	}
	bb := filepath.Join(root, "bin", "busybox")
	if err := copyFile(filepath.Join(x, "bin", "busybox"), bb, 0o755); err != nil {
		return "", false, err
	}
	list, err := run(ctx, "", nil, bb, "--list-full")
	if err != nil {
		return "", false, err
	}
	for _, applet := range strings.Fields(list) {
		link := filepath.Join(root, applet)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return "", false, err
		}
		if err := os.Symlink("/bin/busybox", link); err != nil {
			return "", false, err
		}
	}
	etc := map[string]string{
		"passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false\n",
		"group":  "root:x:0:\nnogroup:x:65534:\nnonroot:x:65532:\n",
	}
	for name, data := range etc {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(data), 0o644); err != nil {
			return "", false, err
		}
	}
	return ref, false, importRootfs(ctx, root, ref)
}

// aptDownload fetches one Debian package into dir and returns its path.
func aptDownload(ctx context.Context, dir, pkg string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if _, err := run(ctx, dir, nil, "apt-get", "download", "-q", pkg); err != nil {
		return "", fmt.Errorf("download Debian's %s: %w", pkg, err)
	}
	m, _ := filepath.Glob(filepath.Join(dir, pkg+"_*.deb"))
	if len(m) == 0 {
		return "", fmt.Errorf("apt-get download %s left no .deb in %s", pkg, dir)
	}
	return m[len(m)-1], nil
}

// DebianBase builds the Debian base with debootstrap (minbase and
// debianPackages), less apt's caches, with the rocketmq user the addon's
// pods run as (uid and gid 3000, its home writable).
func DebianBase(ctx context.Context, work, mirror string, log func(string, ...any)) (string, bool, error) {
	ref := baseTag("debian", append([]string{debianSuite, mirror}, debianPackages...)...)
	if imageExists(ctx, ref) {
		return ref, true, nil
	}
	root := filepath.Join(work, "debian-rootfs")
	log("debootstrap %s from %s with %d packages (minutes)", debianSuite, mirror, len(debianPackages))
	if _, err := run(ctx, "", nil, "debootstrap", "--variant=minbase", "--include="+strings.Join(debianPackages, ","),
		debianSuite, root, mirror); err != nil {
		return "", false, fmt.Errorf("debootstrap: %w", err)
	}
	for _, c := range [][]string{
		{"apt-get", "clean"},
		{"groupadd", "-g", "3000", "rocketmq"},
		{"useradd", "-u", "3000", "-g", "3000", "-m", "-d", "/home/rocketmq", "-s", "/bin/bash", "rocketmq"},
	} {
		if _, err := run(ctx, "", nil, "chroot", append([]string{root}, c...)...); err != nil {
			return "", false, err
		}
	}
	if err := os.RemoveAll(filepath.Join(root, "var", "lib", "apt", "lists")); err != nil {
		return "", false, err
	}
	return ref, false, importRootfs(ctx, root, ref)
}
