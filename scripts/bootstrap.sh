#!/usr/bin/env bash
# Install what `make up` and `make test` need and is missing: uv, Debian's PostgreSQL, Java 17,
# Maven, kcat and Apache Kafka's jars (scripts/install_kafka.sh), and the uv workspace (every package plus the dev group, exactly as locked). Idempotent: when
# everything is present it prints nothing and takes a fraction of a second.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# `pip install --user` puts uv here, and the Makefile looks here too.
export PATH="$HOME/.local/bin:$PATH"

say() { printf '[bootstrap] %s\n' "$*" >&2; }

# shellcheck source=scripts/apt.sh
source scripts/apt.sh

# 0. The mail catcher: Mailpit, built once from the Go module proxy and npm into ~/.cache/cpf.
# It needs neither apt nor uv, and its first build is the longest step (minutes of compiling):
# it runs beside the others and is waited for at the end.
scripts/install_mailpit.sh &
mailpit_pid=$!

# 1. uv
if ! command -v uv >/dev/null 2>&1; then
  python=$(command -v python3.11 || command -v python3 || true)
  if [ -z "$python" ]; then
    say "no python3 found: install Python 3.11 (apt-get install -y python3)"
    exit 1
  fi
  if ! "$python" -m pip --version >/dev/null 2>&1; then
    apt_install python3-pip
  fi
  say "installing uv (pip)"
  # Debian marks its Python "externally managed" (PEP 668). uv is a self-contained binary
  # that touches no system package, so a per-user install is harmless; older pips lack the
  # flag, and inside a virtualenv --user is refused: try each form in turn.
  "$python" -m pip install --quiet --user --break-system-packages uv 2>/dev/null \
    || "$python" -m pip install --quiet --user uv 2>/dev/null \
    || "$python" -m pip install --quiet uv
  if ! command -v uv >/dev/null 2>&1; then
    say "uv was installed but is not on PATH (looked in $HOME/.local/bin)"
    exit 1
  fi
fi

# 2. PostgreSQL server programs (initdb, pg_ctl), unless PG_BIN_DIR points at some.
if [ -n "${PG_BIN_DIR:-}" ] && [ -x "$PG_BIN_DIR/initdb" ]; then
  :
elif ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  apt_install postgresql
fi

# 3. Apache Kafka: Java 17, Maven and kcat from Debian, the jars from Maven Central.
scripts/install_kafka.sh

# 4. The workspace, exactly as locked (all members and the dev group).
uv sync --frozen --all-packages --quiet

# 5. The mail catcher (started in the background at the top): wait for its build.
if ! wait "$mailpit_pid"; then
  say "the mail catcher (Mailpit) could not be installed: see the messages above"
  exit 1
fi
