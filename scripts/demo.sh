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
# `sed -u` reads line by line: Debian's mawk reads a pipe in 4 KiB blocks and showed the whole
# build's progress only at its end.
tail -n +1 -f --pid "$runner" "$log" 2>/dev/null | sed -un 's/.*"msg":"\([^"]*\)".*/  runner: \1/p' >&2 &
progress=$!
until curl -fsS -o /dev/null -H "X-API-KEY: $key" "http://127.0.0.1:$port/v2/sandboxes" 2>/dev/null; do
  if ! kill -0 "$runner" 2>/dev/null; then echo "codebox: the runner stopped; its log:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.5
done
kill "$progress" 2>/dev/null || true

export CODEBOX_DEMO_PORT="$port" CODEBOX_API_URL="http://127.0.0.1:$port" CODEBOX_API_KEY="$key"
# Files the examples save (charts, the coding agent's project) go here, not into the repository.
out="$(mktemp -d -t codebox-demo.XXXXXX)"

showcase=(
  "examples/demo/demo.ts|A tour of one sandbox: commands, streaming, files, isolation"
  "examples/langchain-agent/agent.ts|LangChain agent: a data analyst with the code tool"
  "examples/code-loop/code-loop.ts|Extract-and-execute loop for a model that only writes Markdown"
  "examples/openai-functions-bot/bot.ts|OpenAI function calling: a bot loop with Codebox functions"
  "examples/coding-agent/agent.ts|A coding agent: write a module and its tests, fix until green"
  "examples/vercel-ai-chat/chat.ts|AI SDK streamText chat with streamed tool output|How many primes are there below 10,000? Chart them per thousand."
  "examples/mcp-agent/agent.ts|MCP: an AI SDK agent whose tools come from codebox mcp over stdio"
  "examples/e2b-drop-in/python.ts|E2B's documentation program, import changed to Codebox"
)

for entry in "${showcase[@]}"; do
  IFS='|' read -r file title question <<<"$entry"
  printf '\n\033[1;36m━━ %s\033[0m  (%s)\n' "$title" "$file"
  if [ -n "$question" ]; then
    (cd "$out" && node "$root/$file" "$question" </dev/null)
  else
    (cd "$out" && node "$root/$file" </dev/null)
  fi
done
printf '\nFiles the examples saved are in %s\n' "$out"
rm -f "$log"
