#!/usr/bin/env bash
# Build Mailpit (the local runner's mail catcher) from source, once, into a cache outside the
# repository:  ${CPF_CACHE_DIR:-~/.cache/cpf}/mailpit-<version>/mailpit
#
#   1. its Go module, at a pinned release, from the Go module proxy (`go mod download`);
#   2. its web UI (server/ui/dist, not in the module zip) built with npm from the module's own
#      package-lock.json (`npm ci`, then `npm run package`: esbuild);
#   3. `go build` (its Go dependencies come from the proxy too, checked against go.sum).
#
# Idempotent: when the binary is there it prints nothing and exits at once. Everything is
# built in a temporary folder (with its own Go and npm caches, deleted afterwards) and the
# binary is moved into place last, with a rename: a failed or interrupted build leaves nothing
# behind, and the next run starts over. A proxy or registry that cannot be reached gives a
# message naming what could not be fetched, and a non-zero exit.
#
# MAILPIT_VERSION overrides the version (it must exist on the proxy and match compose's image).
set -euo pipefail

MAILPIT_MODULE="github.com/axllent/mailpit"
MAILPIT_VERSION="${MAILPIT_VERSION:-v1.27.11}"
CACHE_DIR="${CPF_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cpf}"
TARGET_DIR="$CACHE_DIR/mailpit-$MAILPIT_VERSION"
TARGET="$TARGET_DIR/mailpit"

say() { printf '[install_mailpit] %s\n' "$*" >&2; }
fail() { say "error: $*"; exit 1; }

if [ -x "$TARGET" ]; then
  exit 0
fi

# --- what the build needs ----------------------------------------------------------------
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 \
  || fail "Go is needed to build Mailpit and was not found (on PATH or in /usr/local/go/bin)"
command -v npm >/dev/null 2>&1 \
  || fail "npm (Node.js 18+) is needed to build Mailpit's web UI and was not found on PATH"
GOPROXY_SHOWN="$(go env GOPROXY)"
NPM_REGISTRY="$(npm config get registry 2>/dev/null || echo 'the npm registry')"

started=$(date +%s)
mkdir -p "$CACHE_DIR"
WORK="$(mktemp -d "$CACHE_DIR/.mailpit-build.XXXXXX")"
cleanup() {
  # The Go module cache is read-only by design: make it writable before deleting it.
  chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
LOG="$WORK/build.log"
FAILED_LOG="$CACHE_DIR/mailpit-$MAILPIT_VERSION.failed.log"

# Private caches: nothing outside $WORK is written until the final rename.
export GOMODCACHE="$WORK/gomod" GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath"
export GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN="${GOTOOLCHAIN:-local}" CGO_ENABLED=0
export npm_config_cache="$WORK/npm-cache" npm_config_update_notifier=false
export npm_config_fund=false npm_config_audit=false

step_failed() {  # what could not be done, then the end of the build log
  cp "$LOG" "$FAILED_LOG" 2>/dev/null || true
  say "error: $1"
  tail -n 15 "$LOG" | sed 's/^/    /' >&2
  say "full log: $FAILED_LOG (nothing was installed; run again once fixed)"
  exit 1
}

say "building Mailpit $MAILPIT_VERSION (first run only, a few minutes) into $TARGET_DIR"

# 1. The module source.
if ! go mod download -json "$MAILPIT_MODULE@$MAILPIT_VERSION" >"$WORK/module.json" 2>>"$LOG"; then
  cat "$WORK/module.json" >>"$LOG" 2>/dev/null || true
  step_failed "could not fetch the Go module $MAILPIT_MODULE@$MAILPIT_VERSION from the Go module proxy ($GOPROXY_SHOWN)"
fi
SRC_DIR="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' "$WORK/module.json")"
[ -n "$SRC_DIR" ] && [ -d "$SRC_DIR" ] \
  || step_failed "go mod download gave no source folder for $MAILPIT_MODULE@$MAILPIT_VERSION"
cp -r "$SRC_DIR" "$WORK/src"
chmod -R u+w "$WORK/src"
cd "$WORK/src"

# 2. The web UI, from the module's lockfile; no install scripts are needed (esbuild ships
#    its binary as an optional dependency).
if ! npm ci --ignore-scripts --no-audit --no-fund >>"$LOG" 2>&1; then
  step_failed "could not fetch the npm packages of Mailpit's web UI (package-lock.json of $MAILPIT_MODULE@$MAILPIT_VERSION) from $NPM_REGISTRY"
fi
if ! npm run package >>"$LOG" 2>&1 || [ ! -s server/ui/dist/app.js ]; then
  step_failed "could not build Mailpit's web UI (npm run package)"
fi

# 3. The binary (Go dependencies from the proxy, checked against the module's go.sum).
if ! go mod download >>"$LOG" 2>&1; then
  step_failed "could not fetch Mailpit's Go dependencies (go.sum of $MAILPIT_MODULE@$MAILPIT_VERSION) from the Go module proxy ($GOPROXY_SHOWN)"
fi
if ! go build -trimpath -ldflags "-s -w -X $MAILPIT_MODULE/config.Version=$MAILPIT_VERSION" \
  -o "$WORK/mailpit" . >>"$LOG" 2>&1; then
  step_failed "could not compile Mailpit $MAILPIT_VERSION with $(go version)"
fi
"$WORK/mailpit" version --no-release-check >>"$LOG" 2>&1 \
  || step_failed "the Mailpit binary that was built does not run"

# 4. Into place: the folder is renamed as a whole, so it either holds the binary or is absent.
mkdir -p "$WORK/out"
mv "$WORK/mailpit" "$WORK/out/mailpit"
cp LICENSE "$WORK/out/LICENSE"
rm -rf "$TARGET_DIR"
mv "$WORK/out" "$TARGET_DIR"
rm -f "$FAILED_LOG"
say "Mailpit $MAILPIT_VERSION built in $(( $(date +%s) - started ))s: $TARGET"
