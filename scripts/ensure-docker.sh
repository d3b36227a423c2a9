#!/usr/bin/env bash
# Makes sure the host has what the runner drives: a Docker engine that answers, plus
# debootstrap (builds the default template without an image registry), iptables (the egress
# filter), mkfs.ext4 (per-sandbox disks) and gVisor's runsc (the `runsc` isolation level,
# registered with dockerd as the runtimes the runner names). Where something is missing and we
# may fix it (root on Debian/Ubuntu), installs it from the distribution's packages and starts
# dockerd in the background; otherwise says exactly what to do.
set -euo pipefail
log() { echo "codebox: $*" >&2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

missing=()
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || missing+=(iptables)
command -v mkfs.ext4 >/dev/null 2>&1 || [ -x /usr/sbin/mkfs.ext4 ] || missing+=(e2fsprogs)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${missing[*]} from the distribution's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    log "missing host tools: ${missing[*]}; install them (e.g. apt-get install ${missing[*]}) and rerun"
    exit 1
  fi
fi

# gVisor is an optional isolation level: a host without it still runs runc sandboxes, so a
# failed install only warns (a runner configured for runsc then refuses to start, saying why).
# It must be a gVisor from 2023 on (it has the systrap platform, which is how it is recognised):
# Debian 12's own is a 2022 build that echoes ^C into a PTY as a byte instead of interrupting and
# fails statx for coreutils (a shim works around it), and it lacks 18 months of fixes to the
# kernel that stands between user code and the host. Debian 12's backports suite has a 2024 one,
# so on bookworm runsc comes from bookworm-backports (pinned at priority 100 by Debian: nothing
# else is taken from there); later releases ship it in main.
install_runsc() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
  local runsc
  runsc="$(command -v runsc || echo /usr/bin/runsc)"
  if [ -x "$runsc" ] && "$runsc" flags 2>&1 | grep -q systrap; then return 0; fi
  local codename target=()
  codename="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
  if [ "$codename" = bookworm ]; then
    target=(-t bookworm-backports)
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      log "adding Debian's bookworm-backports suite (for a gVisor from 2024)"
      printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' 'Components: main' \
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >/etc/apt/sources.list.d/codebox-bookworm-backports.sources
    fi
  fi
  if [ -x "$runsc" ]; then
    log "upgrading runsc: $("$runsc" --version 2>/dev/null | head -n1) is from before 2023; sandboxes already running keep their gVisor"
  else
    log "installing runsc (gVisor) from the distribution's packages"
  fi
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq "${target[@]}" runsc >/dev/null; } ||
    log "could not install a gVisor from 2023 on; runsc sandboxes $([ -x "$runsc" ] && echo "use the old one" || echo "are unavailable")"
}
install_runsc

# Registers Codebox's runsc runtimes in daemon.json and reloads dockerd, once dockerd answers.
register_runsc() {
  bash "$here/register-runsc.sh" || log "could not register the runsc runtimes; the runsc runtime stays unavailable"
}

# live-restore: containers keep running while dockerd itself stops or restarts (an upgrade, a
# crash), so sandboxes survive that like they survive a runner restart. Merged into daemon.json
# (other keys stay) and reloaded with SIGHUP, which applies it without restarting anything.
enable_live_restore() {
  [ "$(id -u)" = 0 ] || return 0
  [ "$(docker info --format '{{.LiveRestoreEnabled}}' 2>/dev/null || true)" = true ] && return 0
  local config="${CODEBOX_DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}" pid
  python3 "$here/merge-daemon-json.py" "$config" '{"live-restore": true}' >/dev/null ||
    { log "could not set live-restore in $config; sandboxes will not survive a dockerd restart"; return 0; }
  log "enabling dockerd live-restore in $config"
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker 2>/dev/null; then
    systemctl reload docker || true
  else
    pid="$(pgrep -x dockerd | head -n1 || true)"
    [ -n "$pid" ] && kill -HUP "$pid"
  fi
  for _ in $(seq 1 40); do
    [ "$(docker info --format '{{.LiveRestoreEnabled}}' 2>/dev/null || true)" = true ] && return 0
    sleep 0.25
  done
  log "dockerd did not pick up live-restore after a reload; it applies at its next start"
}

configure_dockerd() {
  enable_live_restore
  register_runsc
}

if docker info >/dev/null 2>&1; then configure_dockerd; exit 0; fi

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
    apt-get install -y -qq docker.io >/dev/null
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
  if docker info >/dev/null 2>&1; then configure_dockerd; exit 0; fi
  sleep 0.5
done
log "dockerd did not come up in 30 s; see /var/log/codebox-dockerd.log"
exit 1
