#!/usr/bin/env bash
# Print the path of a usable redis-server binary, installing Debian's package if none is found.
#
# Order: $AUTHTOKENS_REDIS_SERVER (if executable), then redis-server on PATH (and /usr/bin,
# /usr/sbin, which a minimal PATH may lack), then `apt-get install redis-server` (needs root).
# Exits non-zero with a message on stderr when none can be had.
set -euo pipefail

usable() {
    [ -n "${1:-}" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1
}

if usable "${AUTHTOKENS_REDIS_SERVER:-}"; then
    echo "$AUTHTOKENS_REDIS_SERVER"
    exit 0
fi
for candidate in "$(command -v redis-server 2>/dev/null || true)" /usr/bin/redis-server \
    /usr/sbin/redis-server /usr/local/bin/redis-server; do
    if usable "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-redis: no redis-server found and apt-get is not available;" \
        "install Redis >= 6.2 and put redis-server on PATH (or set AUTHTOKENS_REDIS_SERVER)" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
    if ! command -v sudo >/dev/null 2>&1; then
        echo "ensure-redis: no redis-server found, and installing it needs root (or sudo)" >&2
        exit 1
    fi
else
    SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
echo "ensure-redis: installing Debian's redis-server package" >&2
if ! { $SUDO apt-get update -q >&2 \
    && $SUDO apt-get install -y -q --no-install-recommends redis-server >&2; }; then
    echo "ensure-redis: apt-get could not install redis-server" >&2
    exit 1
fi
# The package starts a system service on some images; the tests start their own servers.
for candidate in "$(command -v redis-server 2>/dev/null || true)" /usr/bin/redis-server; do
    if usable "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
echo "ensure-redis: redis-server was installed but cannot be run" >&2
exit 1
