#!/usr/bin/env bash
# Print the path of a usable Chromium binary, installing Debian's package if none is found.
#
# Order: $AUTHTOKENS_CHROMIUM (if executable), then chromium on PATH (and /usr/bin), then
# `apt-get install chromium` (needs root or sudo). The browser tests drive it through
# Playwright's Python package with an explicit executable path: no browser is downloaded.
# Exits non-zero with a message on stderr when none can be had.
set -euo pipefail

usable() {
    [ -n "${1:-}" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1
}

if usable "${AUTHTOKENS_CHROMIUM:-}"; then
    echo "$AUTHTOKENS_CHROMIUM"
    exit 0
fi
for candidate in "$(command -v chromium 2>/dev/null || true)" /usr/bin/chromium; do
    if usable "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no chromium found and apt-get is not available;" \
        "install Chromium and set AUTHTOKENS_CHROMIUM to its path" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
    if ! command -v sudo >/dev/null 2>&1; then
        echo "ensure-chromium: no chromium found, and installing it needs root (or sudo)" >&2
        exit 1
    fi
else
    SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
echo "ensure-chromium: installing Debian's chromium package" >&2
if ! $SUDO apt-get install -y -q --no-install-recommends chromium >&2; then
    # A fresh image may have no package lists yet.
    if ! { $SUDO apt-get update -q >&2 \
        && $SUDO apt-get install -y -q --no-install-recommends chromium >&2; }; then
        echo "ensure-chromium: apt-get could not install chromium" >&2
        exit 1
    fi
fi
for candidate in "$(command -v chromium 2>/dev/null || true)" /usr/bin/chromium; do
    if usable "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
echo "ensure-chromium: chromium was installed but cannot be run" >&2
exit 1
