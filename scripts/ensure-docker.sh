#!/usr/bin/env bash
# Makes sure a Docker engine answers. Where none is installed or running and we may fix it
# (root on Debian/Ubuntu), installs docker.io and starts dockerd in the background;
# otherwise says exactly what to do.
set -euo pipefail
log() { echo "codebox: $*" >&2; }

if docker info >/dev/null 2>&1; then exit 0; fi

if [ "$(id -u)" != 0 ]; then
  log "Docker is not reachable and this is not root."
  log "Start a Docker engine you can use (or add yourself to the 'docker' group), then rerun."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    log "installing docker.io from the distribution's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io iptables >/dev/null
  else
    log "no dockerd and no apt-get: install Docker Engine for your distribution, then rerun"
    exit 1
  fi
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    systemctl start docker || true
  fi
fi
if ! docker info >/dev/null 2>&1 && ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd in the background (log: /var/log/codebox-dockerd.log)"
  nohup dockerd >/var/log/codebox-dockerd.log 2>&1 &
fi
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
log "dockerd did not come up in 30 s; see /var/log/codebox-dockerd.log"
exit 1
