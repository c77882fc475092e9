#!/usr/bin/env bash
# Builds the real Kubernetes control plane that Ferry's tests and `ferry lab --kube real` run on:
# etcd, kube-apiserver and kube-controller-manager (and helm, for the chart tests), from the Go
# modules in this folder, once, into a
# cache outside the repository keyed by the Go version and the module files. Prints that folder on
# stdout; progress goes to stderr. When the binaries are current it does nothing but print it.
#
#   kube/build.sh              # build if needed, print the folder
#   kube/build.sh --check      # print the folder if current, exit 1 if a build is needed
#
# The cache is $FERRY_KUBE_CACHE, or ~/.cache/ferry/kube (XDG_CACHE_HOME respected). Exit codes:
# 0 built or current, 1 a build is needed (--check), 3 no Go toolchain here, 4 the build failed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
k8s_version=v1.36.3
etcd_version=v3.6.16

say() { echo "kube: $*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  say "no Go toolchain on PATH: cannot build etcd, kube-apiserver and kube-controller-manager (Go 1.26 or newer is needed)"
  exit 3
fi
# The go.mod files name Go 1.26.0; never let the go command fetch another toolchain or edit them.
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOWORK=off CGO_ENABLED=0

go_version=$(go env GOVERSION)
key=$( { echo "$go_version"; echo "$k8s_version $etcd_version"; cat "$here/go.mod" "$here/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum" "$here/helm/go.mod" "$here/helm/go.sum"; sed -n '/^# build-recipe/,$p' "$0"; } \
  | sha256sum | cut -c1-16)
cache=${FERRY_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry/kube}
out="$cache/$k8s_version-$key"

if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  exit 1
fi

mkdir -p "$cache"
# One build at a time per cache (two test runs may start together).
exec 9>"$cache/.lock"
if ! flock -n 9; then
  say "another build of the control plane is running; waiting for it"
  flock 9
fi
if [[ -f "$out/.complete" ]]; then
  echo "$out"
  exit 0
fi

# build-recipe (a change below this line changes the cache key)
tmp="$out.partial"
rm -rf "$tmp"
mkdir -p "$tmp"
log="$tmp/build.log"
started=$(date +%s)

# Shows how far a `go build -v` has come (it prints each package as it is compiled), every 20 s.
progress() {
  local what=$1 total=$2 pid=$3
  while kill -0 "$pid" 2>/dev/null; do
    sleep 20
    kill -0 "$pid" 2>/dev/null || break
    local done_count
    done_count=$(grep -c . "$log" 2>/dev/null || true)
    say "building $what: ${done_count:-0} of about $total packages compiled, $(( $(date +%s) - started )) s"
  done
}

build() {
  local what=$1 dir=$2 target=$3 ldflags=$4; shift 4
  say "downloading the Go modules of $what (cached after the first time)"
  (cd "$dir" && go mod download) || { say "could not download the modules of $what (see the lines above)"; exit 4; }
  local total
  total=$(cd "$dir" && go list -deps "$@" 2>/dev/null | wc -l)
  : >"$log"
  say "building $what ($total packages: minutes the first time on a machine, seconds once Go has them cached)"
  (cd "$dir" && go build -v -trimpath -ldflags "$ldflags" -o "$target" "$@" 2>"$log") &
  local pid=$!
  progress "$what" "$total" "$pid" &
  local ticker=$!
  if ! wait "$pid"; then
    kill "$ticker" 2>/dev/null || true
    grep -v '^[a-z0-9._/-]*$' "$log" | tail -20 >&2 || true
    say "building $what failed (log: $log)"
    exit 4
  fi
  kill "$ticker" 2>/dev/null || true
}

v=k8s.io/component-base/version
minor=${k8s_version#v1.}; minor=${minor%%.*}
build "kube-apiserver and kube-controller-manager" "$here" "$tmp/" \
  "-s -w -X $v.gitVersion=$k8s_version -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
build "etcd" "$here/etcd" "$tmp/etcd" "-s -w" go.etcd.io/etcd/server/v3
build "helm" "$here/helm" "$tmp/helm" "-s -w -X helm.sh/helm/v4/internal/version.version=v4.3.2" helm.sh/helm/v4/cmd/helm

"$tmp/kube-apiserver" --version >&2
"$tmp/etcd" --version | head -1 >&2
"$tmp/helm" version --short >&2
rm -f "$log"
touch "$tmp/.complete"
rm -rf "$out"
mv "$tmp" "$out"
say "control plane ready in $out ($(( $(date +%s) - started )) s)"
echo "$out"
