#!/usr/bin/env bash
# Builds the real binaries the tests run (kube-apiserver, etcd, kubectl, kube-scheduler, kube-controller-manager for
# each supported Kubernetes version; kwok, krew, validate-krew-manifest, helm, the OCI registry) from the Go module
# proxy, and rcodesign from crates.io, into a cache outside the repo. A tool is rebuilt only when its binary is missing
# or its version stamp differs, so warm runs cost nothing.
# Usage: build.sh [kube|kwok|krew|helm|rcodesign|registry|all]   (default: all)
set -euo pipefail

here=${UIMGACC_TESTBIN_HERE:-$(cd "$(dirname "$0")" && pwd)}
# shellcheck source=versions.env
source "$here/versions.env"
root=${UIMGACC_TESTBIN:-$HOME/.cache/uimgacc-testbin}
mkdir -p "$root"
# Several checkouts (worktrees, CI, the sandbox) share one cache: one build at a time, the others wait and then find
# the binaries cached.
# bash reads a script while it runs it, so a merge that changes this file under a build in progress would make that
# build run misplaced lines: the locked build runs a private copy.
if [ -z "${UIMGACC_TESTBIN_LOCKED:-}" ] && command -v flock >/dev/null; then
  copy=$(mktemp "${TMPDIR:-/tmp}/uimgacc-testbin-build.XXXXXX")
  cp "$0" "$copy"
  export UIMGACC_TESTBIN_LOCKED=1 UIMGACC_TESTBIN_HERE=$here UIMGACC_TESTBIN_COPY=$copy
  exec flock "$root/.lock" bash "$copy" "$@"
fi
if [ -n "${UIMGACC_TESTBIN_COPY:-}" ]; then trap 'rm -f "$UIMGACC_TESTBIN_COPY"' EXIT; fi
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -pgo=off" GOTOOLCHAIN=local

log() { printf '[testbin] %s\n' "$*" >&2; }

# up_to_date DIR VERSION BIN... : true when every binary exists and DIR/.version says VERSION.
up_to_date() {
  local dir=$1 version=$2; shift 2
  [ "$(cat "$dir/.version" 2>/dev/null)" = "$version" ] || return 1
  for b in "$@"; do [ -x "$dir/$b" ] || return 1; done
}

# Every Kubernetes binary the tests run, built from one k8s.io/kubernetes version so the control plane has no skew.
KUBE_BINARIES=(kube-apiserver kubectl etcd kube-scheduler kube-controller-manager)

# build_kube VERSION : builds the binaries of KUBE_BINARIES that are missing for VERSION (an upgrade of this script
# that adds a binary builds only that one; the Go build cache makes the rest cheap anyway).
build_kube() {
  local v=$1 dir="$root/kubernetes-$1"
  if up_to_date "$dir" "$v" "${KUBE_BINARIES[@]}"; then log "kubernetes $v cached in $dir"; return; fi
  local start=$SECONDS src="$dir/src" missing=() b
  [ "$(cat "$dir/.version" 2>/dev/null)" = "$v" ] || rm -f "$dir/.version"
  for b in "${KUBE_BINARIES[@]}"; do
    if [ ! -f "$dir/.version" ] || [ ! -x "$dir/$b" ]; then missing+=("$b"); fi
  done
  mkdir -p "$src"
  log "building ${missing[*]} $v (cold, all five take about 8-10 minutes on 2 cores, longer with a slow module proxy)"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging paths, which do not
  # exist outside its repo. Generate a replace line for each from the go.mod the proxy serves, pinned to the
  # matching v0.X.Y tag, so a version bump needs no hand edits.
  local gomod minor staging
  gomod=$(cd "$src" && go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -n "$gomod" ] || { log "the Go module proxy does not serve k8s.io/kubernetes@$v"; return 1; }
  minor=${v#v1.}
  staging=$(awk '/^\tk8s\.io\/[^ ]+ v0\.0\.0$/ {print $1}' "$gomod" | sort -u)
  {
    echo "module uimgacc.local/testbin-kubernetes"
    echo
    sed -n 's/^go \(.*\)/go \1/p' "$gomod"
    echo
    echo "require k8s.io/kubernetes $v"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m v0.$minor"; done
    echo ")"
  } > "$src/go.mod"
  # No `go mod tidy`: with no Go files of its own the module would drop the requirement and float to @latest.
  (cd "$src" && go get "k8s.io/kubernetes@$v")
  local major=1 kminor=${minor%%.*} date
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$kminor -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitMajor=$major -X k8s.io/client-go/pkg/version.gitMinor=$kminor"
  local pkgs=()
  for b in "${missing[@]}"; do [ "$b" = etcd ] || pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  if [ ${#pkgs[@]} -gt 0 ]; then
    (cd "$src" && go build -mod=mod -trimpath -ldflags "$ldflags" -o "$dir/" "${pkgs[@]}")
  fi
  # etcd's server module is already in kubernetes' dependency graph at the version kubernetes is tested with.
  if [[ " ${missing[*]} " == *" etcd "* ]]; then
    (cd "$src" && go build -mod=mod -trimpath -ldflags "-s -w" -o "$dir/etcd" go.etcd.io/etcd/server/v3)
  fi
  echo "$v" > "$dir/.version"
  log "kubernetes $v built in $((SECONDS - start))s"
}

# The versions `build.sh kube` builds: the supported range from versions.env, plus UIMGACC_KUBE_VERSION when it names
# another one (so `UIMGACC_KUBE_VERSION=v1.28.15 npm run sandbox` just works).
build_kube_all() {
  local versions=("$KUBERNETES_VERSION" "$KUBERNETES_OLDEST") v
  if [ -n "${UIMGACC_KUBE_VERSION:-}" ] && [[ " ${versions[*]} " != *" $UIMGACC_KUBE_VERSION "* ]]; then
    versions+=("$UIMGACC_KUBE_VERSION")
  fi
  for v in "${versions[@]}"; do build_kube "$v"; done
}

# build_module NAME VERSION MODULE BIN=PKG... : builds main packages of one module at one version.
build_module() {
  local name=$1 v=$2 mod=$3; shift 3
  local dir="$root/$name-$v" bins=() pkgs=()
  for spec in "$@"; do bins+=("${spec%%=*}"); pkgs+=("${spec#*=}"); done
  if up_to_date "$dir" "$v" "${bins[@]}"; then log "$name $v cached in $dir"; return; fi
  local start=$SECONDS src="$dir/src"
  mkdir -p "$src"
  log "building $name $v"
  printf 'module uimgacc.local/testbin-%s\n\ngo 1.24\n' "$name" > "$src/go.mod"
  (cd "$src" && go get "$mod@$v" >/dev/null)
  for i in "${!bins[@]}"; do
    (cd "$src" && go build -mod=mod -trimpath -ldflags "-s -w ${LDFLAGS_EXTRA:-}" -o "$dir/${bins[$i]}" "${pkgs[$i]}")
  done
  echo "$v" > "$dir/.version"
  log "$name $v built in $((SECONDS - start))s"
}

build_krew() {
  LDFLAGS_EXTRA="-X sigs.k8s.io/krew/internal/version.gitTag=$KREW_VERSION" build_module krew "$KREW_VERSION" sigs.k8s.io/krew \
    krew=sigs.k8s.io/krew/cmd/krew validate-krew-manifest=sigs.k8s.io/krew/cmd/validate-krew-manifest
}

# kwok simulates nodes: it keeps Node leases and status fresh and moves scheduled Pods to Running, as a kubelet would.
# It does nothing without stages, so the stage files its module ships (node fast + heartbeat-with-lease, pod fast)
# are copied next to the binary, into one file for `kwok --config`.
build_kwok() {
  local v=$KWOK_VERSION dir="$root/kwok-$KWOK_VERSION"
  if up_to_date "$dir" "$v" kwok && [ -s "$dir/stages.yaml" ]; then log "kwok $v cached in $dir"; return; fi
  rm -f "$dir/.version"
  build_module kwok "$v" sigs.k8s.io/kwok kwok=sigs.k8s.io/kwok/cmd/kwok
  local mod stage f
  mod=$(cd "$dir/src" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  for stage in node/fast node/heartbeat-with-lease pod/fast; do
    for f in "$mod/kustomize/stage/$stage"/*.yaml; do
      [ "$(basename "$f")" = kustomization.yaml ] && continue
      printf -- '---\n'; cat "$f"
    done
  done > "$dir/stages.yaml.tmp"
  mv "$dir/stages.yaml.tmp" "$dir/stages.yaml"
}

build_helm() {
  LDFLAGS_EXTRA="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" build_module helm "$HELM_VERSION" helm.sh/helm/v3 \
    helm=helm.sh/helm/v3/cmd/helm
}

# The OCI registry the image and chart e2e tests push to and install from (CNCF Distribution, as Docker Hub and Harbor run).
build_registry() {
  build_module distribution "$DISTRIBUTION_VERSION" github.com/distribution/distribution/v3 \
    registry=github.com/distribution/distribution/v3/cmd/registry
}

what=${1:-all}
# rcodesign signs Mach-O binaries on Linux (Apple's codesign exists only on macOS); cargo builds it from crates.io.
build_rcodesign() {
  local v=$RCODESIGN_VERSION dir="$root/rcodesign-$RCODESIGN_VERSION"
  if up_to_date "$dir" "$v" rcodesign; then log "rcodesign $v cached in $dir"; return; fi
  # rustup puts cargo in ~/.cargo/bin, which non-login shells (CI) may not have on PATH.
  local cargo
  cargo=$(command -v cargo || echo "${CARGO_HOME:-$HOME/.cargo}/bin/cargo")
  [ -x "$cargo" ] || { log "cargo is needed to build rcodesign (apple-codesign $v): install Rust (rustup) or put cargo on PATH"; return 1; }
  local start=$SECONDS
  log "building rcodesign $v (apple-codesign from crates.io; about 6 minutes cold on 2 cores)"
  mkdir -p "$dir"
  PATH="$(dirname "$cargo"):$PATH" CARGO_TARGET_DIR="$dir/target" "$cargo" install apple-codesign --version "$v" --locked --root "$dir/install" --quiet
  cp "$dir/install/bin/rcodesign" "$dir/rcodesign"
  rm -rf "$dir/target" "$dir/install"
  echo "$v" > "$dir/.version"
  log "rcodesign $v built in $((SECONDS - start))s"
}

case $what in
  kube) build_kube_all ;;
  kwok) build_kwok ;;
  krew) build_krew ;;
  helm) build_helm ;;
  rcodesign) build_rcodesign ;;
  registry) build_registry ;;
  all) build_helm; build_krew; build_kube_all; build_kwok; build_rcodesign; build_registry ;;
  *) echo "usage: $0 [kube|kwok|krew|helm|rcodesign|registry|all]" >&2; exit 2 ;;
esac
