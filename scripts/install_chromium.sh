#!/usr/bin/env bash
# Make sure a headless Chromium is on this machine (the report's browser test drives it through
# Playwright's executable_path: Playwright's own browser downloads are not used). Installs
# Debian's chromium with apt when missing. Idempotent; prints the browser's path.
set -euo pipefail
for candidate in "${CHROMIUM:-}" chromium chromium-browser; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1; then
        command -v "$candidate"
        exit 0
    fi
done
echo "installing chromium with apt" >&2
export DEBIAN_FRONTEND=noninteractive
SUDO=()
if [ "$(id -u)" != "0" ]; then SUDO=(sudo); fi
"${SUDO[@]}" apt-get update -qq >&2
"${SUDO[@]}" apt-get install -y -qq chromium >/dev/null
command -v chromium
