#!/usr/bin/env bash
# Runs every Sawmill test: installs what the integration tests need (Debian's prometheus,
# prometheus-alertmanager, chromium and etcd-server, and npm's s3rver) when missing, builds, runs all
# test projects, and prints one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v s3rver >/dev/null 2>&1 || command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${need[*]} from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
      || echo "test.sh: could not install ${need[*]}; tests that need them will fail" >&2
  else
    echo "test.sh: missing ${need[*]} (install them, or run as root to let this script do it)" >&2
  fi
fi
# The scalable-deployment tests use npm's s3rver as their S3-compatible bucket (started per test on a free port).
if ! command -v s3rver >/dev/null 2>&1; then
  if command -v npm >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -w "$(npm prefix -g 2>/dev/null)/lib" ]; }; then
    echo "test.sh: installing s3rver from npm" >&2
    npm install -g --no-audit --no-fund s3rver@3.7.1 >/dev/null 2>&1 \
      || echo "test.sh: could not install s3rver; tests that need it will fail" >&2
  else
    echo "test.sh: missing s3rver (npm install -g s3rver@3.7.1, or run as root to let this script do it)" >&2
  fi
fi

# No MSBuild node outlives the run (a reused node would keep this script's output pipe and temp files open).
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
results=$(mktemp -d)
dotnet build Sawmill.slnx -c Debug -nologo -v q 2>&1 | grep -E "error|Error" | grep -v "0 Error" ; 
if [ "${PIPESTATUS[0]}" != 0 ]; then
  echo "test.sh: build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
# The test projects run in two streams at once, each one project after another. The streams are balanced by
# duration and keep the heaviest users of processes apart: the scalable-deployment tests (etcd, s3rver, seven
# sawmill nodes) and the agent's end-to-end tests in one, Chromium (Web) and Prometheus/Alertmanager (Ruler) in the
# other. Every test takes free loopback ports and its own temp directories, so the streams share nothing.
# SAWMILL_TEST_STREAMS=1 runs everything in one stream (one project at a time).
streams=(
  "Sawmill.Cluster.Tests Sawmill.Agent.Tests Sawmill.Fuzz.Tests Sawmill.Storage.Tests Sawmill.LogQL.Tests Sawmill.Logging.Tests Sawmill.Core.Tests Sawmill.GoCompat.Tests"
  "Sawmill.Web.Tests Sawmill.Ruler.Tests Sawmill.Tests Sawmill.Server.Tests Sawmill.Conformance.Tests"
)
if [ "${SAWMILL_TEST_STREAMS:-2}" = 1 ]; then streams=("${streams[*]}"); fi
run_stream() {
  local n=$1; shift
  local rc=0
  for p in $1; do
    dotnet test "tests/$p" -c Debug --no-build -nologo --logger "trx" --results-directory "$results" "${@:2}" > "$results/$p.txt" 2>&1 || rc=1
    cat "$results/$p.txt" >> "$results/stream-$n.txt"
    # One progress line per project while the streams run; the full output follows at the end.
    echo "test.sh: $(grep -E "^(Passed|Failed)!" "$results/$p.txt" | tail -1 || echo "$p: no result line")"
  done
  return $rc
}
pids=()
for i in "${!streams[@]}"; do
  run_stream "$i" "${streams[$i]}" "$@" &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
cat "$results"/stream-*.txt
# Every test project must belong to a stream: a new project that is not listed would silently never run.
for d in tests/*Tests; do
  name=$(basename "$d")
  case " ${streams[*]} " in *" $name "*) ;; *) echo "test.sh: tests/$name is in no stream; add it to test.sh" >&2; status=1 ;; esac
done

passed=0; failed=0; skipped=0
for f in "$results"/*.trx; do
  [ -e "$f" ] || continue
  c=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(echo "$c" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p'); passed=$((passed + ${p:-0}))
  x=$(echo "$c" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p'); failed=$((failed + ${x:-0}))
  n=$(echo "$c" | sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p'); skipped=$((skipped + ${n:-0}))
done
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
  echo "test.sh: dotnet test exited $status without failed tests (a crash or a test host abort)" >&2
  failed=1
fi
rm -rf "$results"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
