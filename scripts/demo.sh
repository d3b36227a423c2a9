#!/usr/bin/env bash
# The demo: set up, start a runner (building the default template on first use), drive a
# sandbox through the Codebox client, stop the runner. Nothing is left running afterwards.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh"
cd "$root"

port="${CODEBOX_DEMO_PORT:-3000}"
key="e2b_$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
log="$(mktemp -t codebox-demo-runner.XXXXXX.log)"
export CODEBOX_API_KEYS="$key"

echo "codebox: starting the runner on 127.0.0.1:$port (log: $log)" >&2
node packages/host-runner/bin/codebox.js serve --port "$port" --runner-name demo >"$log" 2>&1 &
runner=$!
stop_runner() { kill -TERM "$runner" 2>/dev/null && wait "$runner" 2>/dev/null || true; }
trap stop_runner EXIT

# The first start builds the default template (about a minute); show the runner's progress
# until it listens.
tail -n +1 -f --pid "$runner" "$log" 2>/dev/null | awk -F'"msg":"' 'NF > 1 { split($2, m, "\""); print "  runner: " m[1]; fflush() }' >&2 &
progress=$!
until curl -fsS -o /dev/null -H "X-API-KEY: $key" "http://127.0.0.1:$port/v2/sandboxes" 2>/dev/null; do
  if ! kill -0 "$runner" 2>/dev/null; then echo "codebox: the runner stopped; its log:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.5
done
kill "$progress" 2>/dev/null || true

CODEBOX_DEMO_PORT="$port" CODEBOX_API_URL="http://127.0.0.1:$port" CODEBOX_API_KEY="$key" node examples/demo/demo.ts
