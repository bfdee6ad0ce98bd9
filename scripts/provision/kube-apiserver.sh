#!/usr/bin/env bash
# Provisions a real kube-apiserver (v1.20.2, built from Debian bookworm's
# `kubernetes` source package) and Debian's kubectl into <repo>/.cache/kube/bin.
#
# Idempotent: every step is skipped when its output already exists, so a
# re-run with the binaries present returns immediately. Nothing under /etc/apt
# is modified; the deb-src list, apt lists, sources, Go cache and GOPATH all
# live under <repo>/.cache/kube (git-ignored).
#
# Usage: scripts/provision/kube-apiserver.sh
# Env:   KUBE_PROVISION_FORCE_BUILD=1  rebuild kube-apiserver even if present
#        MLOPS_MACHINE_CACHE=<dir>     machine-wide copy of the built binaries, so a
#                                      fresh clone on the same machine skips the build
#                                      (default ~/.cache/mlops-portal)
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE="$REPO_ROOT/.cache/kube"
BIN="$CACHE/bin"
APISERVER="$BIN/kube-apiserver"
KUBECTL="$BIN/kubectl"
LOGS="$CACHE/logs"
MACHINE_BIN="${MLOPS_MACHINE_CACHE:-$HOME/.cache/mlops-portal}/kube-bin-v1.20.2"

APT_PACKAGES=(golang-go etcd-server etcd-client openssl
  golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev
  dpkg-dev patch)
K8S_VERSION="v1.20.2"

CURRENT_STEP="start"
log() { printf '[kube-provision] %s\n' "$*"; }
die() {
  printf '[kube-provision] ERROR: %s\n' "$*" >&2
  exit 1
}
on_error() {
  local rc=$?
  printf '[kube-provision] ERROR: step "%s" failed (exit %s). Logs: %s\n' \
    "$CURRENT_STEP" "$rc" "$LOGS" >&2
  exit "$rc"
}
trap on_error ERR

# Runs a command (in directory $RUN_CWD, default: current) with its output
# sent to a log file; prints the tail of the log on failure.
run_logged() {
  local name="$1"
  shift
  local logfile="$LOGS/$name.log"
  if ! (cd "${RUN_CWD:-.}" && "$@") >"$logfile" 2>&1; then
    printf '[kube-provision] ERROR: %s failed; last lines of %s:\n' "$name" "$logfile" >&2
    tail -n 30 "$logfile" >&2 || true
    return 1
  fi
}

missing_packages() {
  local pkg status
  for pkg in "${APT_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || printf '%s\n' "$pkg"
  done
}

binaries_present() {
  [[ -x "$APISERVER" && -x "$KUBECTL" ]] &&
    [[ "${KUBE_PROVISION_FORCE_BUILD:-}" != "1" ]]
}

# ---------------------------------------------------------------------------
# Fast path: nothing to do.
if binaries_present && [[ -z "$(missing_packages)" ]]; then
  log "kube-apiserver and kubectl already present in $BIN (nothing to do)"
  if [[ ! -x "$MACHINE_BIN/kube-apiserver" || ! -x "$MACHINE_BIN/kubectl" ]]; then
    mkdir -p "$MACHINE_BIN"
    cp "$APISERVER" "$MACHINE_BIN/kube-apiserver.tmp" && mv "$MACHINE_BIN/kube-apiserver.tmp" "$MACHINE_BIN/kube-apiserver"
    cp "$KUBECTL" "$MACHINE_BIN/kubectl.tmp" && mv "$MACHINE_BIN/kubectl.tmp" "$MACHINE_BIN/kubectl"
  fi
  exit 0
fi

mkdir -p "$CACHE" "$BIN" "$LOGS"
# The cache is never committed, even if the repo's .gitignore changes.
[[ -f "$CACHE/.gitignore" ]] || printf '*\n' >"$CACHE/.gitignore"

# Serialise concurrent runs (e.g. parallel test jobs).
exec 9>"$CACHE/.provision.lock"
if ! flock -n 9; then
  log "another provisioning run holds $CACHE/.provision.lock; waiting"
  flock 9
fi

[[ "$(id -u)" == "0" ]] || SUDO="sudo"
SUDO="${SUDO:-}"

# ---------------------------------------------------------------------------
CURRENT_STEP="apt packages"

wait_for_dpkg_lock() {
  local deadline=$((SECONDS + 600)) said=0
  while fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock \
    /var/lib/apt/lists/lock >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      die "dpkg/apt is still locked by another process after 10 minutes"
    fi
    if ((said == 0)); then
      log "dpkg/apt is locked by another process; waiting (up to 10 min)"
      said=1
    fi
    sleep 3
  done
}

apt_lists_present() {
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

mapfile -t MISSING < <(missing_packages)
if ((${#MISSING[@]} > 0)); then
  log "installing apt packages: ${MISSING[*]}"
  wait_for_dpkg_lock
  if ! apt_lists_present; then
    log "apt lists are empty; running apt-get update"
    run_logged apt-update $SUDO apt-get -o DPkg::Lock::Timeout=600 update
  fi
  attempt=1
  until run_logged apt-install env DEBIAN_FRONTEND=noninteractive \
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
    "${MISSING[@]}"; do
    ((attempt++ < 3)) || die "apt-get install failed (see $LOGS/apt-install.log)"
    log "apt-get install failed (lock race?); retrying in 5 s"
    sleep 5
    wait_for_dpkg_lock
  done
  mapfile -t STILL < <(missing_packages)
  ((${#STILL[@]} == 0)) || die "packages still missing after install: ${STILL[*]}"
else
  log "apt packages already installed"
fi

# A fresh clone on a machine that built once: reuse those binaries.
if [[ "${KUBE_PROVISION_FORCE_BUILD:-}" != "1" && ! -x "$APISERVER" && -x "$MACHINE_BIN/kube-apiserver" && -x "$MACHINE_BIN/kubectl" ]]; then
  cp "$MACHINE_BIN/kube-apiserver" "$APISERVER.tmp" && mv "$APISERVER.tmp" "$APISERVER"
  cp "$MACHINE_BIN/kubectl" "$KUBECTL.tmp" && mv "$KUBECTL.tmp" "$KUBECTL"
  log "reused binaries built earlier on this machine ($MACHINE_BIN)"
fi
if binaries_present; then
  command -v etcd >/dev/null || die "etcd not found on PATH (package etcd-server)"
  log "done: $APISERVER, $KUBECTL, etcd at $(command -v etcd)"
  exit 0
fi

command -v go >/dev/null || die "go not found on PATH after installing golang-go"

# ---------------------------------------------------------------------------
# Private apt configuration with deb-src entries (never touches /etc/apt).
APT_DIR="$CACHE/apt"
APT_SRC_PARTS="$APT_DIR/sources"
APT_SRC_LISTS="$APT_DIR/lists"
APT_SRC_OPTS=(-o Dir::Etc::SourceList=/dev/null
  -o "Dir::Etc::SourceParts=$APT_SRC_PARTS"
  -o "Dir::State::Lists=$APT_SRC_LISTS"
  -o APT::Sandbox::User=root)

derive_src_lists() {
  mkdir -p "$APT_SRC_PARTS" "$APT_SRC_LISTS/partial"
  local found=0 f base
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    base="$(basename "$f" .sources)"
    sed -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb-src/' "$f" \
      >"$APT_SRC_PARTS/$base-src.sources"
    found=1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    base="$(basename "$f")"
    sed -nE 's/^[[:space:]]*deb[[:space:]]+/deb-src /p' "$f" \
      >"$APT_SRC_PARTS/${base%.list}-src.list"
    found=1
  done
  ((found)) || die "no apt sources found under /etc/apt to derive deb-src entries from"
}

DL_DIR="$CACHE/dl"
SRC="$CACHE/src"

source_tarballs_present() {
  compgen -G "$DL_DIR/kubernetes_*.orig.tar.*" >/dev/null &&
    compgen -G "$DL_DIR/kubernetes_*.debian.tar.*" >/dev/null
}

need_apiserver_build() {
  [[ ! -x "$APISERVER" || "${KUBE_PROVISION_FORCE_BUILD:-}" == "1" ]]
}

if need_apiserver_build && [[ ! -f "$SRC/.mlops-prepared" ]]; then
  CURRENT_STEP="download kubernetes source"
  if source_tarballs_present; then
    log "kubernetes source package already downloaded"
  else
    derive_src_lists
    if ! compgen -G "$APT_SRC_LISTS/*_Sources*" >/dev/null; then
      log "apt-get update (private deb-src lists in $APT_DIR)"
      run_logged apt-src-update apt-get "${APT_SRC_OPTS[@]}" update
    fi
    log "downloading Debian source package 'kubernetes' (~35 MB)"
    mkdir -p "$DL_DIR"
    RUN_CWD="$DL_DIR" run_logged apt-source \
      apt-get "${APT_SRC_OPTS[@]}" source --download-only kubernetes
    source_tarballs_present || die "apt-get source did not produce kubernetes tarballs in $DL_DIR"
  fi

  # -------------------------------------------------------------------------
  CURRENT_STEP="unpack, patch and fix vendor"
  log "unpacking source tree and applying debian/patches"
  TMP_SRC="$CACHE/src.tmp"
  rm -rf "$TMP_SRC" "$SRC"
  mkdir -p "$TMP_SRC"
  ORIG="$(compgen -G "$DL_DIR/kubernetes_*.orig.tar.*" | sort | tail -n 1)"
  DEB="$(compgen -G "$DL_DIR/kubernetes_*.debian.tar.*" | sort | tail -n 1)"
  tar -xf "$ORIG" -C "$TMP_SRC" --strip-components=1
  tar -xf "$DEB" -C "$TMP_SRC"
  if [[ -f "$TMP_SRC/debian/patches/series" ]]; then
    while read -r patchname _; do
      [[ -z "$patchname" || "$patchname" == \#* ]] && continue
      RUN_CWD="$TMP_SRC" run_logged "patch-${patchname//\//_}" \
        patch -p1 --forward --batch -i "debian/patches/$patchname"
    done <"$TMP_SRC/debian/patches/series"
  fi

  # Go >= 1.18 breaks the vendored reflect2 v1.0.1; use Debian's newer copies.
  for pkgpath in github.com/modern-go/reflect2 github.com/json-iterator/go; do
    from="/usr/share/gocode/src/$pkgpath"
    to="$TMP_SRC/vendor/$pkgpath"
    [[ -d "$from" ]] || die "$from not found (is its golang-*-dev package installed?)"
    rm -rf "$to"
    mkdir -p "$to"
    find -L "$from" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \
      -o -name 'LICENSE' -o -name 'go.mod' \) ! -name '*_test.go' \
      -exec cp {} "$to/" \;
  done
  touch "$TMP_SRC/.mlops-prepared"
  mv "$TMP_SRC" "$SRC"
fi

# ---------------------------------------------------------------------------
# GOPATH-mode build environment, entirely inside the cache.
GOPATH_DIR="$CACHE/gopath"
export GOPATH="$GOPATH_DIR"
export GOCACHE="$CACHE/gocache"
export GO111MODULE=off
export CGO_ENABLED=0
export GOFLAGS=""
export GOENV=off
export GOTOOLCHAIN=local
K8S_PKG_DIR="$GOPATH_DIR/src/k8s.io/kubernetes"

if need_apiserver_build; then
  CURRENT_STEP="GOPATH setup"
  mkdir -p "$GOPATH_DIR/src/k8s.io" "$GOCACHE" "$CACHE/tools"
  if [[ "$(readlink "$K8S_PKG_DIR" 2>/dev/null || true)" != "$SRC" ]]; then
    rm -rf "$K8S_PKG_DIR"
    ln -s "$SRC" "$K8S_PKG_DIR"
  fi

  # -------------------------------------------------------------------------
  CURRENT_STEP="openapi generation"
  OPENAPI_OUT="$SRC/pkg/generated/openapi/zz_generated.openapi.go"
  if [[ -s "$OPENAPI_OUT" ]]; then
    log "zz_generated.openapi.go already generated"
  else
    OPENAPI_GEN="$CACHE/tools/openapi-gen"
    if [[ ! -x "$OPENAPI_GEN" ]]; then
      log "building vendored openapi-gen"
      RUN_CWD="$K8S_PKG_DIR" run_logged build-openapi-gen \
        go build -o "$OPENAPI_GEN.tmp" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
      mv "$OPENAPI_GEN.tmp" "$OPENAPI_GEN"
    fi
    # Every package carrying a +k8s:openapi-gen= tag (staging/src as vendor/).
    mapfile -t OPENAPI_DIRS < <(cd "$SRC" &&
      grep -rlE --include='*.go' --exclude='*_test.go' \
        '^[[:space:]]*//[[:space:]]*\+k8s:openapi-gen=' pkg cmd plugin staging vendor |
      xargs -n1 dirname | sed -E 's#^staging/src/#vendor/#' | LC_ALL=C sort -u |
      grep -vE '^vendor/k8s.io/(code-generator|sample-apiserver)(/|$)')
    ((${#OPENAPI_DIRS[@]} > 20)) ||
      die "found only ${#OPENAPI_DIRS[@]} openapi-gen packages; source tree looks wrong"
    INPUTS="$(printf 'k8s.io/kubernetes/%s,' "${OPENAPI_DIRS[@]}")"
    INPUTS="${INPUTS%,}"
    log "generating zz_generated.openapi.go from ${#OPENAPI_DIRS[@]} packages"
    GEN_OUT="$CACHE/openapi-gen.out"
    rm -rf "$GEN_OUT"
    mkdir -p "$GEN_OUT"
    RUN_CWD="$K8S_PKG_DIR" run_logged openapi-gen "$OPENAPI_GEN" \
      -i "$INPUTS" \
      -p k8s.io/kubernetes/pkg/generated/openapi \
      -O zz_generated.openapi \
      -o "$GEN_OUT" \
      -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt \
      -r "$LOGS/openapi-api-rules.report"
    GENERATED="$GEN_OUT/k8s.io/kubernetes/pkg/generated/openapi/zz_generated.openapi.go"
    [[ -s "$GENERATED" ]] || die "openapi-gen produced no $GENERATED"
    mv "$GENERATED" "$OPENAPI_OUT"
    rm -rf "$GEN_OUT"
    EXCEPTIONS="$SRC/api/api-rules/violation_exceptions.list"
    if [[ -f "$EXCEPTIONS" ]] &&
      ! diff -q <(LC_ALL=C sort "$EXCEPTIONS") <(LC_ALL=C sort "$LOGS/openapi-api-rules.report") >/dev/null; then
      log "note: openapi API-rule report differs from upstream's exception list ($LOGS/openapi-api-rules.report)"
    fi
  fi

  # -------------------------------------------------------------------------
  CURRENT_STEP="build kube-apiserver"
  log "building kube-apiserver $K8S_VERSION (GOPATH mode, CGO_ENABLED=0; ~4 min from a cold cache)"
  VPKG="k8s.io/kubernetes/vendor/k8s.io/component-base/version"
  CPKG="k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version"
  MINOR="${K8S_VERSION#v1.}"
  MINOR="${MINOR%%.*}"
  BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  LDFLAGS="-s -w"
  for p in "$VPKG" "$CPKG"; do
    LDFLAGS+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$MINOR"
    LDFLAGS+=" -X $p.gitTreeState=clean -X $p.buildDate=$BUILD_DATE"
  done
  start=$SECONDS
  RUN_CWD="$K8S_PKG_DIR" run_logged build-kube-apiserver \
    go build -trimpath -ldflags "$LDFLAGS" -o "$APISERVER.tmp" ./cmd/kube-apiserver
  "$APISERVER.tmp" --version >/dev/null 2>&1 || die "built kube-apiserver does not run"
  mv "$APISERVER.tmp" "$APISERVER"
  log "built $APISERVER in $((SECONDS - start)) s ($("$APISERVER" --version))"
else
  log "kube-apiserver already built: $APISERVER"
fi

# ---------------------------------------------------------------------------
CURRENT_STEP="kubectl"
if [[ -x "$KUBECTL" ]]; then
  log "kubectl already present: $KUBECTL"
else
  DEBS="$CACHE/debs"
  mkdir -p "$DEBS"
  if ! compgen -G "$DEBS/kubernetes-client_*.deb" >/dev/null; then
    log "downloading Debian package kubernetes-client"
    RUN_CWD="$DEBS" run_logged apt-download \
      apt-get -o APT::Sandbox::User=root download kubernetes-client
  fi
  DEBFILE="$(compgen -G "$DEBS/kubernetes-client_*.deb" | sort | tail -n 1)"
  X="$CACHE/kubectl.x"
  rm -rf "$X"
  dpkg -x "$DEBFILE" "$X"
  [[ -x "$X/usr/bin/kubectl" ]] || die "$DEBFILE contains no usr/bin/kubectl"
  cp "$X/usr/bin/kubectl" "$KUBECTL.tmp"
  rm -rf "$X"
  mv "$KUBECTL.tmp" "$KUBECTL"
  log "extracted $KUBECTL ($("$KUBECTL" version --client --short 2>/dev/null || echo unknown))"
fi

command -v etcd >/dev/null || die "etcd not found on PATH (package etcd-server)"
log "done: $APISERVER, $KUBECTL, etcd at $(command -v etcd)"
mkdir -p "$MACHINE_BIN"
cp "$APISERVER" "$MACHINE_BIN/kube-apiserver.tmp" && mv "$MACHINE_BIN/kube-apiserver.tmp" "$MACHINE_BIN/kube-apiserver"
cp "$KUBECTL" "$MACHINE_BIN/kubectl.tmp" && mv "$MACHINE_BIN/kubectl.tmp" "$MACHINE_BIN/kubectl"
