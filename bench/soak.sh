#!/usr/bin/env bash
# Soak test (not CI): see `bash bench/soak.sh --help`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh" >&2
cd "$root"
exec node bench/soak.ts "$@"
