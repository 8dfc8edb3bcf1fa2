#!/usr/bin/env bash
# Builds etcd and kube-apiserver from the Go module proxy (wrapper modules in
# tools/kapi/) into a cache directory keyed by their versions, for envtest:
#
#   export KUBEBUILDER_ASSETS=$(scripts/build-kapi.sh | tail -1)
#
# Progress goes to stderr; stdout carries only the directory, on its last
# line. A binary that is already there and reports the pinned version is not
# rebuilt, so a warm run takes well under a second. A cold build takes about
# 6-7 minutes on an idle 2-core machine (18 minutes with KAPI_NICE=1 and
# GOFLAGS=-p=1 on a busy one) and about 3 GiB of Go build cache.
#
# Environment (all optional):
#   KAPI_DIR    output directory
#               (default: ${XDG_CACHE_HOME:-$HOME/.cache}/rmqkb-conformance/kapi/<kube>-etcd<etcd>)
#   KAPI_NICE=1 build with `nice -n 19` (for machines busy with other work)
#   KAPI_FORCE=1 rebuild even if the binaries look current
#   GOFLAGS     passed through to go (e.g. GOFLAGS=-p=1 to limit parallelism)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
etcd_mod=$root/tools/kapi/etcd
kapi_mod=$root/tools/kapi/apiserver

log() { printf '[build-kapi] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# Version of module $2 as required in go.mod $1 (single source of truth).
required_version() {
	awk -v m="$2" '$1 == "require" { $1 = ""; $0 = $0 } $1 == m { print $2; exit }' "$1"
}

command -v go >/dev/null 2>&1 || die "go is not on PATH"

etcd_version=$(required_version "$etcd_mod/go.mod" go.etcd.io/etcd/server/v3)
kube_version=$(required_version "$kapi_mod/go.mod" k8s.io/kubernetes)
[[ $etcd_version =~ ^v3\.[0-9]+\.[0-9]+$ ]] || die "cannot read the etcd version from $etcd_mod/go.mod"
[[ $kube_version =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "cannot read the kubernetes version from $kapi_mod/go.mod"
kube_minor=${BASH_REMATCH[1]}

out=${KAPI_DIR:-${XDG_CACHE_HOME:-${HOME:?set HOME, XDG_CACHE_HOME or KAPI_DIR}/.cache}/rmqkb-conformance/kapi/${kube_version}-etcd${etcd_version#v}}

run=()
[[ ${KAPI_NICE:-0} == 1 ]] && command -v nice >/dev/null 2>&1 && run=(nice -n 19)

# True if binary $1 exists and its --version output contains $2.
reports_version() {
	[[ -x $1 ]] || return 1
	local v
	v=$(timeout 30 "$1" --version 2>/dev/null) || return 1
	[[ $v == *"$2"* ]]
}
etcd_want="etcd Version: ${etcd_version#v}"
kapi_want="Kubernetes ${kube_version}"
etcd_ok() { [[ ${KAPI_FORCE:-0} != 1 ]] && reports_version "$out/etcd" "$etcd_want"; }
kapi_ok() { [[ ${KAPI_FORCE:-0} != 1 ]] && reports_version "$out/kube-apiserver" "$kapi_want"; }

if etcd_ok && kapi_ok; then
	log "etcd ${etcd_version} and kube-apiserver ${kube_version} already built"
	echo "$out"
	exit 0
fi

mkdir -p "$out"
# Serialise concurrent runs; whoever waited re-checks each binary below.
# Holding the lock, leftovers of a killed earlier run can go.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$out/.lock"
	flock 9
	rm -rf "$out"/.build.*
fi

# Build next to the output (same filesystem) and rename into place, so an
# interrupted build never leaves a partial binary under the final name.
tmp=$(mktemp -d "$out/.build.XXXXXX")
child=
cleanup() {
	if [[ -n $child ]]; then kill "$child" 2>/dev/null || true; wait "$child" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# go_build DIR ARGS...: go build in DIR. Runs in the background and waits, so
# that INT/TERM reach the trap at once instead of after the build finishes.
go_build() {
	local dir=$1 rc=0
	shift
	(cd "$dir" && exec "${run[@]}" go build -trimpath -buildvcs=false -mod=readonly "$@") &
	child=$!
	wait "$child" || rc=$?
	child=
	return "$rc"
}

start=$SECONDS

if etcd_ok; then
	log "etcd ${etcd_version} is current"
else
	log "building etcd ${etcd_version} (module $etcd_mod)"
	t=$SECONDS
	go_build "$etcd_mod" -ldflags='-s -w' -o "$tmp/etcd" ./cmd/etcd
	reports_version "$tmp/etcd" "$etcd_want" ||
		die "built etcd does not report version ${etcd_version#v}"
	mv -f "$tmp/etcd" "$out/etcd"
	log "etcd done in $(fmt_secs $((SECONDS - t))) ($(du -h "$out/etcd" | cut -f1))"
fi

if kapi_ok; then
	log "kube-apiserver ${kube_version} is current"
else
	log "building kube-apiserver ${kube_version} (module $kapi_mod); cold: 5-15 minutes"
	t=$SECONDS
	ldflags="-s -w"
	ldflags+=" -X k8s.io/component-base/version.gitVersion=${kube_version}"
	ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
	ldflags+=" -X k8s.io/component-base/version.gitMinor=${kube_minor}"
	ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
	go_build "$kapi_mod" -ldflags="$ldflags" -o "$tmp/kube-apiserver" ./cmd/kube-apiserver
	reports_version "$tmp/kube-apiserver" "$kapi_want" ||
		die "built kube-apiserver does not report version ${kube_version}"
	mv -f "$tmp/kube-apiserver" "$out/kube-apiserver"
	log "kube-apiserver done in $(fmt_secs $((SECONDS - t))) ($(du -h "$out/kube-apiserver" | cut -f1))"
fi

log "total $(fmt_secs $((SECONDS - start))); KUBEBUILDER_ASSETS=$out"
echo "$out"
