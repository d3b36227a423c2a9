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
  // Where the time went (CI must stay under 30 minutes): the slowest files, each project run counted apart.
  const files = r.testResults.map((f) => ({ name: f.name.replace(process.cwd() + "/", ""), s: (f.endTime - f.startTime) / 1000 }));
  const total = files.reduce((sum, f) => sum + f.s, 0);
  console.log(`Slowest files (of ${files.length}, ${Math.round(total)} s in all):`);
  for (const f of files.sort((a, b) => b.s - a.s).slice(0, 15)) console.log(`  ${f.s.toFixed(0).padStart(5)} s  ${f.name}`);
' "$report" || true
exit "$status"
