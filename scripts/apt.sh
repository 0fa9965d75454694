# Sourced by the install scripts: `apt_install PKG…` installs Debian packages as root, or
# through password-less sudo, running `apt-get update` once per script. The caller defines
# `say` (its own prefix for messages) before sourcing this file.
SUDO=""
apt_updated=""
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO="sudo"
    else
      say "need to install Debian packages ($*) but not running as root and no password-less sudo:"
      say "  run as root:  apt-get update && apt-get install -y $*"
      exit 1
    fi
  fi
  if [ -z "$apt_updated" ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  say "installing $* (apt)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
