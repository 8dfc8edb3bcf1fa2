package images

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
)

// nodeSetup is kind's base image setup (images/base/Dockerfile of the kind
// module), done on the Debian base: its systemd units trimmed as kind
// trims them, kubelet, containerd and undo-mount-hacks enabled, and
// Debian's containerd, runc and CNI plugins where kind's units and
// configuration look for kind's own builds.
var nodeSetup = []string{
	"chmod 755 /kind /kind/bin /kind/bin/* /usr/local/bin/entrypoint /usr/local/bin/clean-install" +
		" && find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete" +
		" && rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/*" +
		" /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev*" +
		" /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*" +
		" && echo ReadKMsg=no >> /etc/systemd/journald.conf",
	"systemctl enable kubelet.service containerd.service undo-mount-hacks.service && systemctl mask systemd-binfmt.service" +
		" && mkdir -p /etc/kubernetes/manifests",
	"ln -sf /usr/bin/containerd /usr/bin/ctr /usr/bin/containerd-shim-runc-v2 /usr/local/bin/ && ln -sf /usr/sbin/runc /usr/local/sbin/runc" +
		" && mkdir -p /opt/cni/bin && for p in host-local loopback ptp portmap; do ln -sf /usr/lib/cni/$p /opt/cni/bin/$p; done",
	`ctr oci spec | jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json`,
}

// nodeLayerRecipe is the node image before kind's images are imported:
// kind's base files, the setup, kubeadm, kubelet, kubectl, crictl, the
// version and the manifests kind applies (its storage; podnet for its CNI).
func nodeLayerRecipe(in Inputs, ref string) Recipe {
	return Recipe{
		Ref: ref, Base: in.Debian,
		Files: []File{
			{From: in.KindFiles, To: "/"},
			{From: in.Bins.path("kubernetes", "kubeadm"), To: "/usr/bin/kubeadm", Mode: 0o755},
			{From: in.Bins.path("kubernetes", "kubelet"), To: "/usr/bin/kubelet", Mode: 0o755},
			{From: in.Bins.path("kubernetes", "kubectl"), To: "/usr/bin/kubectl", Mode: 0o755},
			{From: in.Bins.path("crictl", "crictl"), To: "/usr/local/bin/crictl", Mode: 0o755},
			{Data: []byte(in.KubeTag), To: "/kind/version"},
			{Data: []byte(in.Storage.Manifest), To: "/kind/manifests/default-storage.yaml"},
			{Data: []byte(podnetManifest), To: "/kind/manifests/default-cni.yaml"},
		},
		Run:        nodeSetup,
		Env:        []string{"container=docker"},
		Entrypoint: []string{"/usr/local/bin/entrypoint", "/sbin/init"},
	}
}

// nodeEntrypoint is restored by the commit: the import ran the layer with
// another one.
const nodeEntrypoint = `ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]`

// preloadNode imports images into containerd's k8s.io namespace inside a
// container of the node layer and commits the result as ref, labelled with
// sum (the hash of its inputs), as `kind
// build node-image` does (pinned, so that the kubelet's image GC keeps
// them). kind's own builder cannot be used: it fetches these images from
// the internet.
func preloadNode(ctx context.Context, layer, ref, sum string, images []string, log func(string, ...any)) error {
	name := fmt.Sprintf("rmqkb-nodebuild-%d", time.Now().UnixNano())
	if _, err := docker(ctx, "run", "-d", "--privileged", "--name", name, "--entrypoint", "sleep", layer, "infinity"); err != nil {
		return privilegedHint(err)
	}
	defer docker(context.WithoutCancel(ctx), "rm", "-f", name)
	if _, err := docker(ctx, "exec", "-d", name, "containerd"); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := wait.Until(wctx, 200*time.Millisecond, "containerd in the node build container", func(ctx context.Context) (bool, string, error) {
		_, err := docker(ctx, "exec", name, "ctr", "version")
		if err != nil {
			return false, wait.Reason(err), nil
		}
		return true, "", nil
	}); err != nil {
		return err
	}
	for _, img := range images {
		log("import %s", img)
		if err := pipe(ctx, []string{"docker", "save", img},
			[]string{"docker", "exec", "-i", name, "ctr", "--namespace=k8s.io", "images", "import",
				"--label=io.cri-containerd.pinned=pinned", "--all-platforms", "--no-unpack", "--digests", "-"}); err != nil {
			return fmt.Errorf("import %s into the node: %w", img, err)
		}
	}
	if _, err := docker(ctx, "exec", name, "pkill", "containerd"); err != nil {
		return err
	}
	_, err := docker(ctx, "commit", "--change", nodeEntrypoint, "--change", "LABEL "+recipeLabel+"="+sum, name, ref)
	return err
}

// privilegedHint turns runc's capability error into the one line a user
// needs (the same advice as the e2e preflight's).
func privilegedHint(err error) error {
	if strings.Contains(err.Error(), "apply caps") {
		return fmt.Errorf("the Docker engine cannot start privileged containers (this host's capability bounding set lacks one, CAP_SYS_RESOURCE on some VMs); start dockerd with a runtime that drops it: dockerd --add-runtime nosysres=$PWD/scripts/runc-nosysres --default-runtime nosysres (README, \"Offline\"): %w", err)
	}
	return err
}
