#!/usr/bin/env bash
# Runs every benchmark in bench/ against a real runner and real containers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh"
cd "$root"
for bench in bench/*.bench.ts; do
  echo "== $bench"
  node "$bench"
done
