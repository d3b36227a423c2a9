#!/usr/bin/env bash
# Runs E2B's own test suites (JS SDK, code-interpreter JS, and optionally the Python SDKs) against
# a local Codebox runner and prints what passes, per suite and per file. See --help.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
here="$root/test/e2b-suites"

usage() {
  cat <<EOF
Usage: scripts/e2b-suites.sh [options] <E2B checkout> [<code-interpreter checkout>]

Runs E2B's own test suites against a runner of this repository started for the run (own data
dir, own port, own API key, stopped and cleaned up afterwards) and prints, per suite and per
file: passed / failed / expected-unsupported / not run (internet) / skipped, and every
unexpected failure. Exits 1 when there is an unexpected failure.

  <E2B checkout>               a checkout of e2b-dev/E2B (JS SDK tests: packages/js-sdk/tests)
  <code-interpreter checkout>  a checkout of e2b-dev/code-interpreter (js/tests, python/tests)

Options:
  --suites LIST       comma-separated, of js-sdk, ci-js, python-sdk, ci-python
                      (default: the JS suites, plus the Python ones when --python/--python-image)
  --files LIST        only these test files or directories, comma-separated, relative to the
                      suite's directory (e.g. tests/sandbox/pty); use with --suites, since every
                      suite of the run gets the same list (vitest also takes substrings)
  --python PY         run the Python suites with this interpreter (Python >= 3.10 with the SDKs'
                      dependencies, pytest, pytest-asyncio, pytest-timeout; pytest-xdist used if
                      there). On a Debian 13 host: apt-get install the packages listed below and
                      pass /usr/bin/python3. The SDKs come from the checkouts either way.
  --python-image      run the Python suites in a Debian 13 image built from the runner's base
                      template with Debian's packages (no PyPI needed; see below)
  --py-e2b-ref REF    commit of the E2B checkout whose python-sdk and its tests the Python
                      suites use (default 50de0af44 = e2b 2.34.0, the newest whose
                      dependencies Debian packages; later ones need connectrpc and pyqwest)
  --py-ci-ref REF     commit of the code-interpreter checkout for python/ (default 45f181c = 2.9.0)
  --out DIR           where results go (default: artifacts/e2b-suites)
  --no-docs           do not regenerate docs/compatibility.md from the results
  --keep-runner       leave the runner running at the end (prints its URL and key)
  -h, --help          this help

What it does:
  1. starts \`codebox serve\` on a free loopback port (CODEBOX_DNS_UPSTREAMS points at a dead
     loopback port, so sandboxes resolve no public names), with a TLS listener on another one:
     a throwaway CA and a *.codebox.localhost certificate (scripts/make-test-cert.sh, in the run's
     temp dir, deleted after), so the sandbox domain is codebox.localhost:<tls port> and the
     tests' https://<getHost(port)> work; the test processes trust the CA (NODE_EXTRA_CA_CERTS,
     appended to any set; Python: SSL_CERT_FILE, which httpx reads instead of certifi) and resolve
     *.localhost to 127.0.0.1 (the loopback guards, as browsers and curl do);
  2. installs each JS suite's dependencies with pnpm (from the npm registry; \`npx pnpm\`);
  3. runs each JS suite with E2B_API_URL = E2B_SANDBOX_URL = the runner and E2B_API_KEY, no
     E2B_DOMAIN / E2B_DEBUG; then runs again, with those variables unset, the files with a
     failure that connected nowhere or import msw (E2B's mocked unit tests, which pass only that
     way) -- a test passes if it passes in either run. Every test process loads test/e2b-suites/loopback-guard.mjs
     (Python: pytest_codebox.py): connections to anything but loopback fail at once and are listed;
  4. skips, never runs, the tests test/e2b-suites/expected-unsupported.json marks "internet";
  5. writes artifacts/e2b-suites/<suite>.json (the test runners' own output and logs in raw/),
     prints the tables, and regenerates the tables in docs/compatibility.md
     (test/e2b-suites/compat-doc.ts; after editing the expected file without a re-run:
     node test/e2b-suites/report.ts rejudge --dir artifacts/e2b-suites, then compat-doc.ts).

Python: this host's Debian 12 packages are too old for the SDK's tests (httpx 0.23 lacks
\`proxy=\`, pytest-asyncio 0.20 lacks session loop scopes), so --python-image builds an image
FROM codebox/base (Debian 13) with these apt packages (test/e2b-suites/python-image/Dockerfile):
$(grep -o 'python3-[a-z0-9-]*' "$here/python-image/Dockerfile" | tr '\n' ' ' | fold -s -w 94)
and runs pytest (-n 2) in it on the host network (the runner is on loopback).
The SDKs come from the checkouts' source at --py-e2b-ref / --py-ci-ref (no build step: their
directories go on PYTHONPATH with a generated dist-info for the version). dockerfile-parse,
which Debian does not package, is replaced by a stub that fails only Template.from_dockerfile.

Not run in CI: CI cannot get E2B's checkouts or the SDKs' sources. About 35 minutes for all
four suites on a 2-core machine.
EOF
}

suites="" files="" python="" python_image=0 py_e2b_ref=50de0af44 py_ci_ref=45f181c
out="$root/artifacts/e2b-suites" docs=1 keep_runner=0 positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --suites) suites="$2"; shift 2 ;;
    --files) files="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    --python-image) python_image=1; shift ;;
    --py-e2b-ref) py_e2b_ref="$2"; shift 2 ;;
    --py-ci-ref) py_ci_ref="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-docs) docs=0; shift ;;
    --keep-runner) keep_runner=1; shift ;;
    -*) echo "e2b-suites: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -ge 1 ] || { usage >&2; exit 2; }
e2b_dir="$(cd "${positional[0]}" && pwd)"
ci_dir=""
[ ${#positional[@]} -ge 2 ] && ci_dir="$(cd "${positional[1]}" && pwd)"
[ -d "$e2b_dir/packages/js-sdk/tests" ] || { echo "e2b-suites: $e2b_dir is not an e2b-dev/E2B checkout" >&2; exit 2; }
if [ -z "$suites" ]; then
  suites="js-sdk"
  [ -n "$ci_dir" ] && suites="$suites,ci-js"
  if [ -n "$python" ] || [ "$python_image" = 1 ]; then
    suites="$suites,python-sdk"
    [ -n "$ci_dir" ] && suites="$suites,ci-python"
  fi
fi
case ",$suites," in *,ci-*) [ -n "$ci_dir" ] || { echo "e2b-suites: the ci-* suites need a code-interpreter checkout" >&2; exit 2; } ;; esac
case ",$suites," in *,python-*|*,ci-python,*) [ -n "$python" ] || [ "$python_image" = 1 ] || { echo "e2b-suites: the Python suites need --python or --python-image" >&2; exit 2; } ;; esac

say() { printf '\033[1;36me2b-suites:\033[0m %s\n' "$*" >&2; }
has_suite() { case ",$suites," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

source "$root/scripts/setup.sh" >/dev/null
cd "$root"
raw="$out/raw"
mkdir -p "$out" "$raw"
work="$(mktemp -d -t codebox-e2b-suites.XXXXXX)"

# ---- the runner -------------------------------------------------------------------------------
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port="$(free_port)"
tls_port="$(free_port)"
while [ "$tls_port" = "$port" ]; do tls_port="$(free_port)"; done
# The TLS listener's throwaway CA and certificate; the test processes trust the CA on top of what
# they trusted already (this host's NODE_EXTRA_CA_CERTS, if any, stays in).
tls_dir="$work/tls"
key="e2b_$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
runner_name="e2bsuites$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
url="http://127.0.0.1:$port"
runner_log="$out/runner.log"
test_job=""
# Stops a process and everything it started, by process id.
kill_tree() {
  local child
  for child in $(ps -o pid= --ppid "$1"); do kill_tree "$child"; done
  kill -TERM "$1" 2>/dev/null
}
# The run's sandboxes, by id (the runner's list API).
run_sandboxes() {
  curl -fsS -H "X-API-KEY: $key" "$url/v2/sandboxes" 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{for(const x of JSON.parse(s))console.log(x.sandboxID)}catch{}})'
}
# Kills every sandbox of the run through the API until none is left (a create may still be in flight).
kill_sandboxes() {
  local id ids round
  for round in 1 2 3 4 5; do
    ids="$(run_sandboxes)"
    [ -z "$ids" ] && [ "$round" -gt 1 ] && return
    for id in $ids; do curl -fsS -o /dev/null -X DELETE -H "X-API-KEY: $key" "$url/sandboxes/$id"; done
    sleep 1
  done
}
start_runner() {
  # In a session of its own, so a Ctrl-C reaches only this script: the exit trap then kills the
  # run's sandboxes through the API before stopping the runner (stopped first, it would keep them).
  CODEBOX_API_KEYS="$key" CODEBOX_DNS_UPSTREAMS="127.0.0.1:9" CODEBOX_LOG_LEVEL=info \
    setsid node packages/host-runner/bin/codebox.js serve --port "$port" --host 127.0.0.1 \
    --runner-name "$runner_name" --data-dir "$work/runner-data" \
    --tls-cert "$tls_dir/cert.pem" --tls-key "$tls_dir/key.pem" --tls-port "$tls_port" >>"$runner_log" 2>&1 &
  runner=$!
  until curl -fsS -o /dev/null -H "X-API-KEY: $key" "$url/v2/sandboxes" 2>/dev/null; do
    kill -0 "$runner" 2>/dev/null || { say "the runner stopped; its log:"; cat "$runner_log" >&2; return 1; }
    sleep 1
  done
}
stop_runner() {
  set +e
  # A test run still going (the script was interrupted): stop it first.
  if [ -n "$test_job" ] && kill -0 "$test_job" 2>/dev/null; then kill_tree "$test_job"; wait "$test_job"; fi
  if [ "$keep_runner" = 1 ]; then say "runner left running: E2B_API_URL=$url E2B_API_KEY=$key (pid $runner)"; return; fi
  # Kill what the run left, then stop the runner (it keeps sandboxes for re-adoption otherwise).
  kill_sandboxes
  kill -TERM "$runner" 2>/dev/null && wait "$runner" 2>/dev/null
  if grep -q " $work/" /proc/mounts || [ -n "$(docker ps -aq --filter "label=codebox.runner=$runner_name")" ]; then
    # Something outlived the runner: a runner started again on the same data dir takes it back.
    say "sandboxes outlived the runner; starting it once more to remove them"
    start_runner && kill_sandboxes
    kill -TERM "$runner" 2>/dev/null && wait "$runner" 2>/dev/null
  fi
  [ ${#pins[@]} -gt 0 ] && docker rm "${pins[@]}" >/dev/null
  # Never rm -rf across a sandbox's mounts.
  if grep -q " $work/" /proc/mounts; then say "mounts left under $work; not removing it"; else rm -rf "$work"; fi
}
say "starting the runner $runner_name on $url and https://codebox.localhost:$tls_port (log: $runner_log)"
: >"$runner_log"
runner=""
pins=()
trap stop_runner EXIT
bash "$root/scripts/make-test-cert.sh" "$tls_dir"
{ [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r "$NODE_EXTRA_CA_CERTS" ] && cat "$NODE_EXTRA_CA_CERTS"; cat "$tls_dir/ca.pem"; } >"$tls_dir/node-extra-ca.pem"
mkdir -p "$work/runner-data"
start_runner
say "runner ready"
# Pin the runner's template images with a created, never started container each. On a dockerd that
# other runners (other versions) share, another runner removes template images no container uses,
# and this runner would then start sandboxes from `:latest`, which may be theirs.
pins=()
for image in $(grep -a -o '"image":"codebox/[a-z0-9-]*:[0-9a-f]*","msg":"template: ready"' "$runner_log" | cut -d'"' -f4 | sort -u); do
  # Another runner may already have removed it (between "ready" and here): the runner rebuilds its
  # templates when a create finds them gone, so a missing pin is a warning, not the end of the run.
  if pin="$(docker create --label "codebox.e2b-suites-pin=$runner_name" "$image" true 2>/dev/null)"; then
    pins+=("$pin")
  else
    say "could not pin $image (another runner on this dockerd removed it?); the runner rebuilds it on the next create"
  fi
done

expected="$here/expected-unsupported.json"
run_report=(node "$here/report.ts")

# ---- JS suites ----------------------------------------------------------------------------------
pnpm_install() { # dir filter
  # The pnpm version the checkout pins (package.json "packageManager"): another one refuses to switch.
  local pnpm
  pnpm="$(node -e 'const m=/^pnpm@([^+]+)/.exec(require(process.argv[1]).packageManager??"");console.log(m?m[1]:"10")' "$1/package.json")"
  say "installing dependencies in $1 (pnpm $pnpm, filter $2)"
  (cd "$1" && npx -y "pnpm@$pnpm" install --frozen-lockfile --filter "$2" --reporter=append-only 2>&1 | tail -n 3) >&2
}

# One vitest pass. Args: suite id, package dir, online|offline, output json, [file filters...]
vitest_pass() {
  local suite="$1" dir="$2" mode="$3" json="$4"; shift 4
  local config projects=() env=(env -u E2B_DOMAIN -u E2B_DEBUG -u E2B_ACCESS_TOKEN)
  config="$(ls "$dir"/vitest.config.* | head -n 1)"
  if [ "$suite" = js-sdk ]; then projects=(--project unit --project template --project connectionConfig); fi
  if [ "$mode" = online ]; then
    env+=(E2B_API_URL="$url" E2B_SANDBOX_URL="$url" E2B_API_KEY="$key")
  else
    env+=(-u E2B_API_URL -u E2B_SANDBOX_URL E2B_API_KEY="e2b_$(printf '0%.0s' {1..40})")
  fi
  say "$suite: $mode pass ($([ $# -gt 0 ] && echo "$# files" || echo "all files"))"
  (cd "$dir" && "${env[@]}" NODE_OPTIONS="--import $here/loopback-guard.mjs" CODEBOX_GUARD_LOG="$json.guard.log" \
    NODE_EXTRA_CA_CERTS="$tls_dir/node-extra-ca.pem" \
    CODEBOX_SUITES_BASE_CONFIG="$config" CODEBOX_SUITES_ID="$suite" CODEBOX_SUITES_EXPECTED="$expected" \
    npx vitest run --config "$here/vitest-wrapper.config.mjs" "${projects[@]}" --reporter=dot --reporter=json \
    --outputFile.json="$json" "$@" >"$json.log" 2>&1) &
  test_job=$!
  progress "$test_job" "$suite $mode" "$json.log" dots
  grep -a -E '^ *(Test Files|Tests|Errors|Duration) ' "$json.log" | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
}

# Prints a line every 30 s while a test run (pid $1) goes on: counts from its log ($3), read as
# vitest's dot reporter (dots) or pytest -rN -q progress characters (pytest).
progress() {
  local pid="$1" label="$2" log="$3" style="$4" start passed failed skipped
  start=$(date +%s)
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null || break
    # (grep finds nothing early on: `|| true`, or pipefail would end the script)
    if [ "$style" = dots ]; then
      # the dot reporter: a green "·" per pass, a red "x" per failure, a "-" per skip
      passed=$( (grep -a -o '·' "$log" || true) | wc -l)
      failed=$( (grep -a -o $'\e\[31mx' "$log" || true) | wc -l)
      skipped=$( (grep -a -o $'m-\e' "$log" || true) | wc -l)
    else
      # pytest -q: lines of ".", "F", "E", "s" per test
      local marks
      marks=$( (grep -a -E '^[.sFEx]+( |$)' "$log" || true) | cut -d' ' -f1)
      passed=$(printf '%s' "$marks" | tr -cd '.' | wc -c)
      failed=$(printf '%s' "$marks" | tr -cd 'FE' | wc -c)
      skipped=$(printf '%s' "$marks" | tr -cd 's' | wc -c)
    fi
    say "$label: $passed passed, $failed failed, $skipped skipped so far ($(( ($(date +%s) - start) / 60 )) min)"
  done
  wait "$pid" || true
}

js_suite() { # suite id, package dir, checkout, pnpm filter
  local suite="$1" dir="$2" checkout="$3" filter="$4" start filters=() offline=()
  start=$(date +%s)
  pnpm_install "$checkout" "$filter"
  [ -n "$files" ] && IFS=',' read -r -a filters <<<"$files"
  rm -f "$raw/$suite"-*
  vitest_pass "$suite" "$dir" online "$raw/$suite-online.json" "${filters[@]}"
  mapfile -t offline < <("${run_report[@]}" offline-files --kind vitest --root "$dir" --online "$raw/$suite-online.json")
  if [ ${#offline[@]} -gt 0 ]; then
    : >"$raw/$suite-offline.json.guard.log"
    vitest_pass "$suite" "$dir" offline "$raw/$suite-offline.json" "${offline[@]}"
  fi
  local with=()
  [ "$suite" = ci-js ] && with=(--with "e2b $(node -p 'require(process.argv[1]).version' "$dir/node_modules/e2b/package.json")")
  "${run_report[@]}" collect --suite "$suite" --kind vitest --root "$dir" --checkout "$checkout" "${with[@]}" \
    --online "$raw/$suite-online.json" --offline "$raw/$suite-offline.json" \
    --seconds "$(($(date +%s) - start))" --expected "$expected" --out "$out/$suite.json"
}

has_suite js-sdk && js_suite js-sdk "$e2b_dir/packages/js-sdk" "$e2b_dir" e2b
has_suite ci-js && js_suite ci-js "$ci_dir/js" "$ci_dir" @e2b/code-interpreter

# ---- Python suites ----------------------------------------------------------------------------
if has_suite python-sdk || has_suite ci-python; then
  pysrc="$work/python-src"
  mkdir -p "$pysrc/e2b" "$pysrc/ci" "$pysrc/site"
  # The SDKs and their tests at one commit each (see --help for why these defaults).
  git -C "$e2b_dir" archive "$py_e2b_ref" packages/python-sdk | tar -x -C "$pysrc/e2b"
  [ -n "$ci_dir" ] && git -C "$ci_dir" archive "$py_ci_ref" python | tar -x -C "$pysrc/ci"
  e2b_version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$pysrc/e2b/packages/python-sdk/pyproject.toml" | head -n 1)"
  mkdir -p "$pysrc/site/e2b-$e2b_version.dist-info"
  printf 'Metadata-Version: 2.1\nName: e2b\nVersion: %s\n' "$e2b_version" >"$pysrc/site/e2b-$e2b_version.dist-info/METADATA"
  if [ -d "$pysrc/ci/python" ]; then
    ci_version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$pysrc/ci/python/pyproject.toml" | head -n 1)"
    mkdir -p "$pysrc/site/e2b_code_interpreter-$ci_version.dist-info"
    printf 'Metadata-Version: 2.1\nName: e2b-code-interpreter\nVersion: %s\n' "$ci_version" >"$pysrc/site/e2b_code_interpreter-$ci_version.dist-info/METADATA"
  fi
  cp "$here/pytest_codebox.py" "$expected" "$pysrc/site/"
  # The runner's CA, where the Python image sees it too ($pysrc is mounted). The tests reach loopback
  # only, so it alone is their trust (SSL_CERT_FILE replaces certifi's bundle in httpx).
  cp "$tls_dir/ca.pem" "$pysrc/site/codebox-ca.pem"
  cp -r "$here/python-image/stubs/." "$pysrc/site/"

  if [ "$python_image" = 1 ]; then
    say "building the Python test image (Debian 13 packages; first time a few minutes)"
    docker build --force-rm -q -t codebox-e2b-suites-python:1 "$here/python-image" >/dev/null
    run_py() { # workdir, args...
      local wd="$1"; shift
      docker run --rm --network host --user "$(id -u):$(id -g)" -e HOME=/tmp -v "$pysrc:$pysrc" -v "$raw:$raw" -w "$wd" \
        "${pyenv[@]/#/-e}" codebox-e2b-suites-python:1 python3 "$@"
    }
  else
    run_py() { local wd="$1"; shift; (cd "$wd" && env "${pyenv[@]}" "$python" "$@"); }
  fi

  # One pytest pass. Args: suite id, test root, online|offline, output json, [pytest args...]
  pytest_pass() {
    local suite="$1" dir="$2" mode="$3" json="$4"; shift 4
    pyenv=("PYTHONPATH=$pysrc/site:$pysrc/e2b/packages/python-sdk:$pysrc/ci/python" "CODEBOX_SUITES_ID=$suite"
      "CODEBOX_SUITES_EXPECTED=$pysrc/site/$(basename "$expected")" "CODEBOX_SUITES_JSON=$json" "CODEBOX_GUARD_LOG=$json.guard.log" "PYTHONDONTWRITEBYTECODE=1"
      "SSL_CERT_FILE=$pysrc/site/codebox-ca.pem")
    # Volumes: the content API is on the runner's URL too (the SDK's default is https://api.<domain>);
    # the suites run their volume tests only with ENABLE_VOLUME_TESTS.
    if [ "$mode" = online ]; then pyenv+=("E2B_API_URL=$url" "E2B_SANDBOX_URL=$url" "E2B_API_KEY=$key" "E2B_VOLUME_API_URL=$url" "ENABLE_VOLUME_TESTS=1"); else pyenv+=("E2B_API_KEY=e2b_$(printf '0%.0s' {1..40})"); fi
    local xdist=()
    run_py "$dir" -c 'import xdist' 2>/dev/null && xdist=(-n 2)
    say "$suite: $mode pass"
    : >"$json.guard.log"
    # One event loop per test for its fixtures too: the suites ask for session-scoped loops through
    # asyncio_default_test_loop_scope, which Debian 13's pytest-asyncio (0.25) does not know yet.
    (run_py "$dir" -m pytest -p pytest_codebox -q -rN "${xdist[@]}" -o asyncio_default_fixture_loop_scope=function \
      -o asyncio_default_test_loop_scope=function "$@" >"$json.log" 2>&1) &
    test_job=$!
    progress "$test_job" "$suite $mode" "$json.log" pytest
    tail -n 3 "$json.log" >&2
  }

  py_suite() { # suite id, test root, checkout, ref, [test paths...]
    local suite="$1" dir="$2" checkout="$3" ref="$4" start offline=() filters=(); shift 4
    start=$(date +%s)
    rm -f "$raw/$suite"-*
    [ -n "$files" ] && IFS=',' read -r -a filters <<<"$files"
    [ ${#filters[@]} -gt 0 ] && set -- "${filters[@]}"
    pytest_pass "$suite" "$dir" online "$raw/$suite-online.json" "$@"
    mapfile -t offline < <("${run_report[@]}" offline-files --kind pytest --root "$dir" --online "$raw/$suite-online.json")
    [ ${#offline[@]} -gt 0 ] && pytest_pass "$suite" "$dir" offline "$raw/$suite-offline.json" "${offline[@]}"
    local with=()
    [ "$suite" = ci-python ] && with=(--with "e2b $e2b_version")
    "${run_report[@]}" collect --suite "$suite" --kind pytest --root "$dir" --checkout "$checkout" --ref "$ref" "${with[@]}" \
      --online "$raw/$suite-online.json" --offline "$raw/$suite-offline.json" \
      --seconds "$(($(date +%s) - start))" --expected "$expected" --out "$out/$suite.json"
  }

  has_suite python-sdk && py_suite python-sdk "$pysrc/e2b/packages/python-sdk" "$e2b_dir" "$py_e2b_ref" tests
  has_suite ci-python && py_suite ci-python "$pysrc/ci/python" "$ci_dir" "$py_ci_ref" tests
fi

# ---- report -----------------------------------------------------------------------------------
status=0
"${run_report[@]}" print --dir "$out" --suites "$suites" || status=$?
if [ "$docs" = 1 ]; then
  node "$here/compat-doc.ts" --dir "$out" --doc "$root/docs/compatibility.md" --measured "$here/measured.json"
  say "docs/compatibility.md regenerated from $out"
fi
exit "$status"
