#!/usr/bin/env bash
# The whole test suite: unit tests, then integration tests against a real dockerd, real
# containers and a real runner (the default template is built on first use and cached).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh"
cd "$root"
npx turbo run typecheck --output-logs=errors-only
npx vitest run "$@"
