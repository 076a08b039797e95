#!/usr/bin/env bash
# Print the path of a usable Chromium ($AUTHTOKENS_CHROMIUM, PATH, or Debian's package). The
# browser tests drive it through Playwright's Python package with this executable path: no
# browser is downloaded.
exec bash "$(dirname "$0")/ensure-debian-binary.sh" AUTHTOKENS_CHROMIUM chromium chromium \
    "install Chromium"
