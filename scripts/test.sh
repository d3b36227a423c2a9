#!/usr/bin/env bash
# The whole test suite: unit tests, then integration tests against a real dockerd, real
# containers and a real runner (the default template is built on first use and cached).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh"
cd "$root"
# The examples' browser test drives Debian's Chromium (playwright-core downloads none).
bash scripts/ensure-chromium.sh
# The build type-checks the sources; this checks the tests, fixtures, examples and benches.
npx tsc -p tsconfig.test.json
# Lint: a small rule set for what the compiler misses (eslint.config.js).
npx eslint .

report="$(mktemp -t codebox-vitest.XXXXXX.json)"
trap 'rm -f "$report"' EXIT
status=0
# skip-check-reporter fails the run on a skipped test whose reason test/support/skip-allow-list.ts does not list.
npx vitest run --reporter=default --reporter=./test/support/skip-check-reporter.ts --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line, whatever the reporter printed above.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
exit "$status"
