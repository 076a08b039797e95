#!/usr/bin/env bash
# Print the path of a usable redis-server ($AUTHTOKENS_REDIS_SERVER, PATH, or Debian's package).
exec bash "$(dirname "$0")/ensure-debian-binary.sh" AUTHTOKENS_REDIS_SERVER redis-server \
    redis-server "install Redis >= 6.2 and put redis-server on PATH"
