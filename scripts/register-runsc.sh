#!/usr/bin/env bash
# Registers gVisor's runsc with dockerd as the two runtimes a `runtime: runsc` runner names
# (packages/host-runner/src/docker/container-runtime.ts holds the same names and arguments):
#   codebox-runsc          sandboxes with internet: `--network=host` makes the sentry use the
#                          container's own network namespace (gVisor's netstack refuses to start
#                          here), so the runner's iptables egress filter still sees every packet;
#   codebox-runsc-offline  `allow_internet_access: false`: `--network=none`, gVisor's netstack with
#                          loopback only, no host socket calls at all.
# Both use `--host-uds=create` so the agent's unix socket in the bind-mounted run directory is
# reachable from the host, while code inside still cannot connect to host sockets.
# daemon.json is merged, never rewritten: other keys (e.g. userns-remap) survive. dockerd reloads
# runtimes on SIGHUP, so running sandboxes are untouched. Idempotent: nothing is written or
# reloaded when the runtimes are already there. Needs root and dockerd; else it only says so.
set -euo pipefail
log() { echo "codebox: $*" >&2; }

runsc="$(command -v runsc || true)"
[ -n "$runsc" ] || { [ -x /usr/bin/runsc ] && runsc=/usr/bin/runsc; } || true
if [ -z "$runsc" ]; then
  log "runsc (gVisor) is not installed; the runsc runtime is unavailable (apt-get install runsc, then rerun)"
  exit 0
fi
# ptrace by default: on the 2-core VMs Codebox is measured on, systrap (gVisor 2023 on, also
# without KVM) makes a lone system call ~20x cheaper (stat 3.2 us against 63 us) but a wake-up of
# another process dearer, and sandboxes are made of processes waking each other: cold create
# 1313 ms against 1041, a new Python context 304 against 182 ms, runCode 4.31 against 4.54 ms
# (bench --quick, 2026-12-06). CODEBOX_RUNSC_PLATFORM=systrap, or kvm with /dev/kvm, to choose.
platform="${CODEBOX_RUNSC_PLATFORM:-ptrace}"
config="${CODEBOX_DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}"

registered() {
  local names
  names="$(docker info --format '{{range $k, $v := .Runtimes}}{{$k}} {{end}}' 2>/dev/null || true)"
  [[ " $names " == *" codebox-runsc "* && " $names " == *" codebox-runsc-offline "* ]]
}

if [ "$(id -u)" != 0 ]; then
  registered || log "the runsc runtimes are not registered with dockerd; run this script as root (scripts/register-runsc.sh)"
  exit 0
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# --overlay2=none: the root filesystem's writes go to Docker's layer, as under runc, not to a
# filestore of gVisor's (the default since 2023), so `docker diff`/commit and disk accounting see them.
common="\"--platform=$platform\", \"--host-uds=create\", \"--overlay2=none\""
wanted="$(cat <<JSON
{"runtimes": {
  "codebox-runsc": {"path": "$runsc", "runtimeArgs": [$common, "--network=host"]},
  "codebox-runsc-offline": {"path": "$runsc", "runtimeArgs": [$common, "--network=none"]}
}}
JSON
)"
# JSON is edited by a JSON parser, not sed: prints "changed" when it wrote a new file.
changed="$(python3 "$here/merge-daemon-json.py" "$config" "$wanted")"

if [ "$changed" != changed ] && registered; then exit 0; fi
log "registering runsc runtimes (codebox-runsc, codebox-runsc-offline; platform $platform) in $config"
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker 2>/dev/null; then
  systemctl reload docker
else
  pid="$(pgrep -x dockerd | head -n1 || true)"
  [ -n "$pid" ] || { log "dockerd is not running; the runtimes load when it starts"; exit 0; }
  kill -HUP "$pid"
fi
for _ in $(seq 1 40); do
  if registered; then exit 0; fi
  sleep 0.25
done
log "dockerd did not pick up the runsc runtimes after a reload; restart dockerd to load $config"
exit 1
