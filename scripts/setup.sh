#!/usr/bin/env bash
# Everything the demo and the tests need on a fresh clone: Node >= 22, dependencies, a build,
# and a running Docker engine. Safe to run again: each step is skipped when already done.
# Usage: source scripts/setup.sh   (leaves Node 22 on PATH for the caller)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

eval "$(bash scripts/ensure-node.sh)"
echo "codebox: node $(node -v), npm $(npm -v)" >&2

stamp=node_modules/.codebox-lock-hash
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "codebox: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

echo "codebox: building packages" >&2
npx turbo run build --output-logs=errors-only >&2

bash scripts/ensure-docker.sh
