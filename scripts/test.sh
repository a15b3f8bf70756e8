#!/usr/bin/env bash
# scripts/test.sh: the one command that runs Amber's whole test suite.
#
#   bash scripts/test.sh          (CI runs it through .ci/run)
#
# On a fresh machine with Go and Node >= 20 it:
#   1. checks the tools,
#   2. starts extra services (none yet; see start_extra_services),
#   3. installs the JS suite's dependencies (npm ci, from tests/js/package-lock.json),
#   4. runs go vet ./...,
#   5. builds bin/amber,
#   6. runs go test ./... (unit tests, and tests/e2e against bin/amber via AMBER_BIN),
#   7. runs the JS compatibility suite (node --test tests/js/), whose files
#      start their own amber servers from $AMBER_BIN.
# and prints a summary. It exits 0 only if every step passed.
#
# Knobs (environment):
#   GO_TEST_TIMEOUT   go test -timeout (default 8m)
#   GO_TEST_FLAGS     extra go test flags, e.g. "-race -v"
#   JS_TEST_TIMEOUT   per-test timeout of the JS suite in ms (default 120000)
#   AMBER_LOG_LEVEL   log level of servers started by the JS suite (default info)

# Step functions are called through `step`, which shellcheck cannot follow.
# shellcheck disable=SC2317
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

readonly QDRANT_JS_VERSION=1.19.0
readonly BIN="$ROOT/bin/amber"
readonly JS_DIR="$ROOT/tests/js"
GO_TEST_TIMEOUT="${GO_TEST_TIMEOUT:-8m}"
GO_TEST_FLAGS="${GO_TEST_FLAGS:-}"
JS_TEST_TIMEOUT="${JS_TEST_TIMEOUT:-120000}"

# --- bookkeeping -------------------------------------------------------------

SUMMARY=()
FAILED=0
SUMMARY_PRINTED=0
readonly T0=$SECONDS

if [[ -t 1 ]]; then BOLD=$'\033[1m' RED=$'\033[1;31m' GREEN=$'\033[1;32m' RESET=$'\033[0m'; else BOLD='' RED='' GREEN='' RESET=''; fi

banner() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
note() { printf '    %s\n' "$*"; }

# record STATUS NAME SECONDS [DETAIL]
record() {
  SUMMARY+=("$(printf '%-5s %-22s %5ss  %s' "$1" "$2" "$3" "${4:-}")")
  if [[ $1 == FAIL ]]; then FAILED=1; fi
}

# step NAME CMD...: runs CMD, records PASS or FAIL with its duration, and
# returns CMD's status so callers can decide whether to go on. CMD runs in a
# `||` context, where bash ignores set -e: step functions must check their
# commands themselves (`cmd || return`).
step() {
  local name=$1 start=$SECONDS status=0
  shift
  banner "$name"
  "$@" || status=$?
  if ((status == 0)); then
    record PASS "$name" $((SECONDS - start))
  else
    record FAIL "$name" $((SECONDS - start)) "exit status $status"
  fi
  return "$status"
}

skip() { record SKIP "$1" 0 "$2"; }

print_summary() {
  ((SUMMARY_PRINTED)) && return
  SUMMARY_PRINTED=1
  banner "Summary ($((SECONDS - T0))s)"
  local line
  for line in "${SUMMARY[@]}"; do note "$line"; done
  if ((FAILED)); then
    printf '\n%sFAILED%s\n' "$RED" "$RESET"
  else
    printf '\n%sALL PASSED%s\n' "$GREEN" "$RESET"
  fi
}

on_exit() {
  local status=$?
  stop_extra_services
  if ((status != 0 && !FAILED)); then
    record FAIL "script" $((SECONDS - T0)) "stopped unexpectedly (exit status $status)"
  fi
  print_summary
}
trap on_exit EXIT

# --- extra services ----------------------------------------------------------
# Install and start peers that tests need here: MinIO, the AWS CLI, ... (see
# shared/reference/test-peers.md for versions and flags). Cache downloaded
# binaries outside the repository, e.g. under ${XDG_CACHE_HOME:-$HOME/.cache}/amber-test,
# so that later runs skip the build. Export whatever the tests read (for
# example AMBER_S3_ENDPOINT) and append the PID of every process you start to
# EXTRA_PIDS: stop_extra_services ends them, on every exit. Nothing is needed
# yet, so both functions do nothing.

EXTRA_PIDS=()

start_extra_services() {
  note "no extra services yet"
}

stop_extra_services() {
  local pid
  for pid in "${EXTRA_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${EXTRA_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  EXTRA_PIDS=()
}

# --- steps -------------------------------------------------------------------

check_tools() {
  local tool missing=0
  for tool in go node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "error: $tool not found on PATH" >&2
      missing=1
    fi
  done
  ((missing == 0)) || return 1
  note "$(go version)"
  note "node $(node --version), npm $(npm --version)"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if ((major < 20)); then
    echo "error: Node >= 20 is needed, found $(node --version)" >&2
    return 1
  fi
}

install_js_deps() {
  if ! grep -q "\"@qdrant/js-client-rest\": \"$QDRANT_JS_VERSION\"" "$JS_DIR/package.json"; then
    echo "error: tests/js/package.json must pin @qdrant/js-client-rest to exactly $QDRANT_JS_VERSION" >&2
    return 1
  fi
  # The client declares node >= 22 but works on Node 20 (npm prints an
  # EBADENGINE warning). Its peer dependency on typescript is only for
  # type-checking, so peers are not installed.
  if [[ -f $JS_DIR/package-lock.json ]]; then
    (cd "$JS_DIR" && npm ci --omit=peer --no-audit --no-fund) || return
  else
    (cd "$JS_DIR" && npm install --omit=peer --no-audit --no-fund) || return
  fi
  local got
  got="$(cd "$JS_DIR" && node -p 'require("./node_modules/@qdrant/js-client-rest/package.json").version')" || return
  if [[ $got != "$QDRANT_JS_VERSION" ]]; then
    echo "error: installed @qdrant/js-client-rest $got, want $QDRANT_JS_VERSION" >&2
    return 1
  fi
  note "@qdrant/js-client-rest $got"
}

has_cmd_amber() {
  compgen -G "$ROOT/cmd/amber/*.go" >/dev/null
}

build_amber() {
  mkdir -p "$(dirname "$BIN")" || return
  go build -o "$BIN" ./cmd/amber || return
  note "built $BIN"
}

go_tests() {
  # -count=1: the e2e tests exec bin/amber, which go test's cache cannot see.
  # shellcheck disable=SC2086 # GO_TEST_FLAGS is a list of flags
  AMBER_BIN="$BIN" go test -count=1 -timeout "$GO_TEST_TIMEOUT" $GO_TEST_FLAGS ./...
}

js_tests() {
  local flags=(--test --test-reporter=spec "--test-timeout=$JS_TEST_TIMEOUT")
  # Node 20 parses integers above 2^53 as BigInt (as the client expects) only
  # with this V8 flag; Node >= 22 does it by default.
  if ! node -e 'process.exit("rawJSON" in JSON ? 0 : 1)'; then
    flags=(--harmony-json-parse-with-source "${flags[@]}")
  fi
  # The client's keep-alive sockets would hold each test process open ~10 s.
  if node --test-force-exit -e 0 >/dev/null 2>&1; then
    flags+=(--test-force-exit)
  fi
  AMBER_BIN="$BIN" node "${flags[@]}" tests/js/
}

# --- main --------------------------------------------------------------------

step "tools" check_tools || exit 1
step "extra services" start_extra_services || exit 1
step "npm ci (tests/js)" install_js_deps || exit 1
step "go vet" go vet ./... || true

built=0
if ! has_cmd_amber; then
  skip "build bin/amber" "cmd/amber has no Go files yet"
  note "cmd/amber has no Go files yet: the e2e tests skip themselves and the JS suite is not run"
elif step "build bin/amber" build_amber; then
  built=1
fi

if ((built)); then
  step "go test" go_tests || true
  step "js compat suite" js_tests || true
else
  # Unit tests need no binary; without AMBER_BIN the e2e package decides for
  # itself (it skips while cmd/amber is empty and reports build errors).
  step "go test" go test -count=1 -timeout "$GO_TEST_TIMEOUT" ./... || true
  skip "js compat suite" "no bin/amber"
fi

print_summary
exit "$FAILED"
