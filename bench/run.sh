#!/usr/bin/env bash
# Every benchmark scenario against a real runner and real containers: `bash bench/run.sh --help`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for arg in "$@"; do
  if [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; then
    eval "$(bash "$root/scripts/ensure-node.sh")"
    exec node "$root/bench/main.ts" --help
  fi
done
source "$root/scripts/setup.sh" >&2
cd "$root"
exec node bench/main.ts "$@"
