#!/usr/bin/env bash
# Makes sure a Chromium is at /usr/bin/chromium for the browser tests (examples/vercel-ai-chat
# drives it with playwright-core, which downloads no browser of its own). Where it is missing
# and we may fix it (root with apt-get), installs Debian's `chromium` package; otherwise says
# what to do. Safe to run again.
set -euo pipefail
log() { echo "codebox: $*" >&2; }

if [ -x /usr/bin/chromium ]; then exit 0; fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  log "installing chromium from the distribution's packages (for the browser tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  # Ubuntu's `chromium` is a transitional package for the snap, which may land elsewhere.
  if [ -x /usr/bin/chromium ]; then exit 0; fi
  log "apt installed chromium but /usr/bin/chromium is missing (Ubuntu's snap?); link a Chromium binary there"
  exit 1
fi

log "no /usr/bin/chromium: the browser tests need a Chromium there."
log "On Debian: apt-get install chromium (as root). Elsewhere: install Chromium or Chrome and"
log "link its binary to /usr/bin/chromium, or set CHROMIUM_PATH to it when running the tests."
exit 1
