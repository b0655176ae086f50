#!/usr/bin/env bash
# Figures of the scalable deployment on one machine (docs/bench.md, "Scalable deployment"): push throughput and CPU
# per line with replication factor 1 and 3, bytes uploaded per raw byte before and after compaction, the perf queries
# from a cold and a warm read-node cache against a single process, and how long a read node with an empty disk takes
# to answer its first query over what the bucket holds.
#
#   bench/scalable/run.sh [push-seconds=30]
#
# The bucket ends up holding both push runs (RF=1 and RF=3); choose push-seconds so that they reach the size the
# fresh-read-node figure is wanted for (the script prints the raw GiB it measured over).
#
# Needs etcd (Debian's etcd-server) and npm's s3rver (./test.sh installs both) and a Release build
# (dotnet build -c Release src/Sawmill). Everything runs on loopback ports it picks; it removes what it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
PUSH_SECONDS=${1:-30}
DLL=src/Sawmill/bin/Release/net10.0/sawmill.dll
[ -f "$DLL" ] || { echo "build first: dotnet build -c Release src/Sawmill" >&2; exit 2; }
WORK=$(mktemp -d /tmp/sawmill-scalable-XXXX)
PIDS=()
# Nodes are started inside $(...) subshells: their pids go to a file that the cleanup reads.
cleanup() {
  for p in "${PIDS[@]}" $(cat "$WORK/pids" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cpu() { # CPU seconds (user+system) of the given pids, children included
  local total=0
  for p in "$@"; do
    if [ -r "/proc/$p/stat" ]; then
      total=$(awk -v t="$total" '{ print t + ($14 + $15 + $16 + $17) / 100 }' "/proc/$p/stat")
    fi
  done
  echo "$total"
}
wait_ready() { for _ in $(seq 1 600); do curl -sf "$1/ready" >/dev/null && return 0; sleep 0.2; done; echo "not ready: $1" >&2; return 1; }

ETCD_PORT=$(port); ETCD_PEER=$(port)
etcd --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster "default=http://127.0.0.1:$ETCD_PEER" --log-level error >"$WORK/etcd.log" 2>&1 &
PIDS+=($!)
mkdir -p "$WORK/s3"
S3_PORT=$(port)
s3rver -d "$WORK/s3" -a 127.0.0.1 -p "$S3_PORT" --silent --configure-bucket sawmill >"$WORK/s3rver.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$ETCD_PORT/health" | grep -q true && break; sleep 0.1; done

config() { # config <replication factor> <ring prefix>
  cat <<YAML
auth_enabled: false
common:
  replication_factor: $1
  instance_addr: 127.0.0.1
  ring:
    heartbeat_period: 1s
    heartbeat_timeout: 10s
    kvstore:
      store: etcd
      prefix: $2/
      etcd:
        endpoints: [127.0.0.1:$ETCD_PORT]
  storage:
    s3:
      endpoint: 127.0.0.1:$S3_PORT
      bucketnames: sawmill
      access_key_id: S3RVER
      secret_access_key: S3RVER
      s3forcepathstyle: true
      insecure: true
      use_chunk_encoding: false
storage_config:
  tsdb_shipper:
    resync_interval: 5s
ingester:
  flush_check_period: 5s
compactor:
  compaction_interval: 10s
limits_config:
  ingestion_rate_mb: 100000
  ingestion_burst_size_mb: 100000
  per_stream_rate_limit: 100000MB
  per_stream_rate_limit_burst: 100000MB
  reject_old_samples: false
  max_global_streams_per_user: 0
  split_queries_by_interval: 1h
YAML
}

start_node() { # start_node <config> <target> <id> -> echoes "pid url"
  local p; p=$(port)
  dotnet "$DLL" -config.file="$1" -target="$2" -server.http-listen-port="$p" -common.path-prefix="$WORK/$3" \
    -common.storage.ring.instance-id="$3" -log.level=warn >"$WORK/$3.log" 2>&1 &
  local pid=$!
  echo "$pid" >>"$WORK/pids"
  wait_ready "http://127.0.0.1:$p"
  echo "$pid http://127.0.0.1:$p"
}

echo "# Sawmill scalable deployment figures, $(date -u +%FT%TZ), $(nproc) cores"
echo "# load at start: $(cut -d' ' -f1-3 /proc/loadavg)"

push_cluster() { # push_cluster <rf>
  local rf=$1 cfg="$WORK/rf$1.yaml"
  config "$rf" "rf$rf" >"$cfg"
  local pids=() urls=()
  for i in 1 2 3; do read -r pid url < <(start_node "$cfg" write "rf$rf-write-$i"); pids+=("$pid"); urls+=("$url"); done
  sleep 3
  local before; before=$(cpu "${pids[@]}")
  local out=()
  for u in "${urls[@]}"; do
    dotnet "$DLL" bench push -url="$u" -clients=2 -streams=100 -lines-per-request=1000 -duration="${PUSH_SECONDS}s" -seed=$RANDOM >"$WORK/push-$rf-${u##*:}.txt" 2>&1 &
    out+=($!)
  done
  wait "${out[@]}"
  local after; after=$(cpu "${pids[@]}")
  local lines=0 mb=0
  for f in "$WORK"/push-$rf-*.txt; do
    lines=$((lines + $(grep -o 'accepted *[0-9,]* lines' "$f" | tr -dc '0-9')))
    mb=$(awk -v m="$mb" -v f="$(grep -o '[0-9.,]* MB of lines' "$f" | head -1 | tr -d ', MBoflines')" 'BEGIN { print m + f }')
  done
  local cpus; cpus=$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')
  echo "push RF=$rf, 3 write nodes, 3 clients x2 for ${PUSH_SECONDS}s: $lines lines ($(awk -v l="$lines" -v s="$PUSH_SECONDS" 'BEGIN { printf "%.0f", l / s }') lines/s, $mb MB raw), write nodes CPU ${cpus}s = $(awk -v c="$cpus" -v l="$lines" 'BEGIN { printf "%.2f", c / l * 1e6 }') µs/line; load $(cut -d' ' -f1-3 /proc/loadavg)"
  for u in "${urls[@]}"; do curl -sf -X POST "$u/flush" >/dev/null; done
  local up=0
  for u in "${urls[@]}"; do up=$((up + $(curl -s "$u/metrics" | awk '/^sawmill_store_bytes_uploaded_total/ { printf "%d", $2 }'))); done
  echo "  uploaded after /flush: $up bytes = $(awk -v u="$up" -v m="$mb" 'BEGIN { printf "%.3f", u / (m * 1e6) }') bytes per raw byte"
  WRITERS_RF=("${urls[@]}")
  WRITER_PIDS_RF=("${pids[@]}")
  RAW_MB=$mb
}

push_single() {
  local cfg="$WORK/single.yaml"
  printf 'auth_enabled: false\nlimits_config:\n  ingestion_rate_mb: 100000\n  ingestion_burst_size_mb: 100000\n  per_stream_rate_limit: 100000MB\n  per_stream_rate_limit_burst: 100000MB\n  reject_old_samples: false\n  max_global_streams_per_user: 0\n' >"$cfg"
  read -r pid url < <(start_node "$cfg" all single)
  local before; before=$(cpu "$pid")
  dotnet "$DLL" bench push -url="$url" -clients=6 -streams=100 -lines-per-request=1000 -duration="${PUSH_SECONDS}s" -seed=1 >"$WORK/push-single.txt" 2>&1
  local after; after=$(cpu "$pid")
  local lines; lines=$(grep -o 'accepted *[0-9,]* lines' "$WORK/push-single.txt" | tr -dc '0-9')
  echo "push single process, 6 clients for ${PUSH_SECONDS}s: $lines lines ($(awk -v l="$lines" -v s="$PUSH_SECONDS" 'BEGIN { printf "%.0f", l / s }') lines/s), CPU $(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')s = $(awk -v a="$after" -v b="$before" -v l="$lines" 'BEGIN { printf "%.2f", (a - b) / l * 1e6 }') µs/line; load $(cut -d' ' -f1-3 /proc/loadavg)"
  SINGLE_URL=$url
}

push_single
push_cluster 1
RAW_MB_RF1=$RAW_MB
for p in "${WRITER_PIDS_RF[@]}"; do kill "$p"; done
push_cluster 3

# Bytes of the live blocks in the bucket (chunks + index + meta of the blocks no other block replaces; replaced ones
# stay for retention_delete_delay), read from s3rver's directory (<key>._S3rver_object files).
live_bytes() {
  python3 - "$WORK/s3/sawmill/blocks" <<'PY'
import json, os, sys
root = sys.argv[1]
blocks, replaced = {}, set()
for tenant in os.listdir(root):
    for bid in os.listdir(os.path.join(root, tenant)):
        d = os.path.join(root, tenant, bid)
        files = {f: os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith("._S3rver_object")}
        if "meta.json._S3rver_object" not in files:
            continue
        with open(os.path.join(d, "meta.json._S3rver_object")) as f:
            replaced.update(tenant + "/" + s for s in (json.load(f).get("sources") or []))
        blocks[tenant + "/" + bid] = sum(files.values())
print(sum(v for k, v in blocks.items() if k not in replaced))
PY
}
RAW_BYTES=$(awk -v a="$RAW_MB_RF1" -v b="$RAW_MB" 'BEGIN { printf "%d", (a + b) * 1e6 }')
before=$(live_bytes)
echo "bucket (RF=1 run + RF=3 run): $before live bytes before compaction = $(awk -v u="$before" -v r="$RAW_BYTES" 'BEGIN { printf "%.3f", u / r }') per raw byte"
read -r bpid burl < <(start_node "$WORK/rf3.yaml" backend backend-1)
for _ in $(seq 1 600); do
  curl -s "$burl/metrics" | grep -q '^sawmill_bucket_compactor_runs_total{status="success"} [1-9]' && break; sleep 1
done
after=$(live_bytes)
echo "bucket after the first compactor run (replicas merged): $after live bytes = $(awk -v u="$after" -v r="$RAW_BYTES" 'BEGIN { printf "%.3f", u / r }') per raw byte"

# Queries: the perf queries (needle, count by level) over the last hour, cold then warm, through a read node with an
# empty disk, against the single process holding the same kind of data.
read -r rpid rurl < <(start_node "$WORK/rf3.yaml" read read-cold)
echo "--- read node, cold cache (first run) then warm"
dotnet "$DLL" bench query -url="$rurl" -since=1h -repeat=1 2>&1 | sed 's/^/cold  /'
dotnet "$DLL" bench query -url="$rurl" -since=1h -repeat=3 2>&1 | sed 's/^/warm  /'
echo "--- single process"
dotnet "$DLL" bench query -url="$SINGLE_URL" -since=1h -repeat=3 2>&1 | sed 's/^/single  /'

# A read node with an empty disk, the write nodes stopped (everything was flushed): time from its start to its first
# answer over everything in the bucket (both push runs).
for p in "${WRITER_PIDS_RF[@]}"; do kill "$p"; done
for p in "${WRITER_PIDS_RF[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
t0=$(date +%s.%N)
read -r fpid furl < <(start_node "$WORK/rf3.yaml" read read-fresh)
t1=$(date +%s.%N)
answer=$(curl -s -G "$furl/loki/api/v1/query" --data-urlencode 'query=sum(count_over_time({app=~".+"} |= "NEEDLE-q7x9" [3h]))')
t2=$(date +%s.%N)
raw=$(curl -s -G "$furl/loki/api/v1/index/stats" --data-urlencode 'query={app=~".+"}' --data-urlencode "start=$(( ($(date +%s) - 10800) * 1000000000 ))" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes"])')
echo "fresh read node, write nodes stopped, $(awk -v b="$raw" 'BEGIN { printf "%.2f", b / 2^30 }') GiB of raw lines in the bucket: ready after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, first needle count over all of it answered $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s later ($(echo "$answer" | head -c 120))"
echo "# load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
