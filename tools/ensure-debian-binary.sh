#!/usr/bin/env bash
# Print the path of a usable program, installing its Debian package if none is found.
#
#   tools/ensure-debian-binary.sh VARIABLE PROGRAM PACKAGE [HINT]
#
# Order: $VARIABLE (if it names a program that runs), then PROGRAM on PATH and in /usr/bin,
# /usr/sbin and /usr/local/bin (a minimal PATH may lack them), then `apt-get install PACKAGE`
# (needs root or sudo; `apt-get update` first only when the package lists lack it). Exits
# non-zero with a message on stderr when none can be had; HINT says how to get it otherwise.
set -euo pipefail

variable=$1 program=$2 package=$3 hint=${4:-"install $package and put $program on PATH"}
me="ensure-$program"

usable() {
    [ -n "${1:-}" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1
}

find_program() {
    for candidate in "${!variable:-}" "$(command -v "$program" 2>/dev/null || true)" \
        "/usr/bin/$program" "/usr/sbin/$program" "/usr/local/bin/$program"; do
        if usable "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

find_program && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "$me: no $program found and apt-get is not available; $hint (or set $variable)" >&2
    exit 1
fi
SUDO=
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "$me: no $program found, and installing it needs root (or sudo)" >&2
        exit 1
    fi
    SUDO=sudo
fi

export DEBIAN_FRONTEND=noninteractive
echo "$me: installing Debian's $package package" >&2
if ! $SUDO apt-get install -y -q --no-install-recommends "$package" >&2; then
    # A fresh image may have no package lists yet.
    if ! { $SUDO apt-get update -q >&2 \
        && $SUDO apt-get install -y -q --no-install-recommends "$package" >&2; }; then
        echo "$me: apt-get could not install $package" >&2
        exit 1
    fi
fi
# Some packages start a system service; the tests start their own servers.
find_program && exit 0
echo "$me: $package was installed but $program cannot be run" >&2
exit 1
