#!/usr/bin/env bash
# How far object storage trails the primary: walstream receive --archive s3://… with
# --partial-upload-interval 1 under pgbench -c4, against S3Proxy (filesystem backend) on this machine.
# Samples walstream_store_lag_seconds and walstream_store_lag_bytes from /metrics four times a second and
# prints p50/p95/p99/max (issue 16's target: store lag p99 <= 2 s).
#
#   PG_BIN=/usr/lib/postgresql/15/bin SECONDS_RUN=60 benchmarks/scripts/store-lag.sh
#
# Needs: PostgreSQL's server and client programs (PG_BIN, incl. pgbench), curl, the walstream jar
# (cli/target/walstream.jar) and S3Proxy's (store-s3/target/s3proxy/s3proxy.jar: both from
# ./mvnw -B -DskipTests -pl cli,store-s3 -am package); run as root (servers run as postgres) or as an
# unprivileged user.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
JAR="${JAR:-$root/cli/target/walstream.jar}"
S3PROXY_JAR="${S3PROXY_JAR:-$root/store-s3/target/s3proxy/s3proxy.jar}"
RUN="${SECONDS_RUN:-60}"
INTERVAL="${PARTIAL_UPLOAD_INTERVAL:-1}"
PORT="${PORT:-54398}"; S3_PORT="${S3_PORT:-17481}"; METRICS_PORT="${METRICS_PORT:-17482}"
work="${WORK:-/tmp/walstream-store-lag}"
. "$root/benchmarks/scripts/primary.sh"

rm -rf "$work"; mkdir -p "$work/s3/bench" "$work/spool"; chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_primary "$work/primary"
}
trap cleanup EXIT

. "$root/benchmarks/scripts/s3proxy.sh"
start_s3proxy "$work" "$S3_PORT"
pids+=("$S3PROXY_PID")

init_primary "$work/primary" "$PORT" <<<"max_wal_size = '4GB'"
start_primary "$work/primary"
as_pg "$PG_BIN/pgbench" -h "$work" -p "$PORT" -U postgres -i -s 20 -q postgres >/dev/null 2>&1
# the slot starts at the last checkpoint: after this one, not before pgbench -i's 300 MB
as_pg "$PG_BIN/psql" -h "$work" -p "$PORT" -U postgres -qc CHECKPOINT postgres

for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && break; sleep 0.2; done

AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1 \
java -jar "$JAR" receive -D "$work/spool" -d "host=127.0.0.1 port=$PORT user=postgres" \
  --slot store_lag --create-slot --if-not-exists --no-progress \
  --archive s3://bench/lag --s3-endpoint "http://127.0.0.1:$S3_PORT" --s3-path-style \
  --partial-upload-interval "$INTERVAL" --metrics-port "$METRICS_PORT" >"$work/receive.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do
  curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q '^walstream_streaming 1' && break; sleep 0.2
done

# Until the receiver and the store have what the server has: the samples are the steady state under load.
for _ in $(seq 1 600); do
  lag=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" \
    | awk '/^walstream_store_lag_bytes /{s=$2} /^walstream_lag_bytes /{r=$2} END{printf "%d", s + r}')
  [ -n "$lag" ] && [ "$lag" -lt 16777216 ] && break; sleep 0.5
done

as_pg "$PG_BIN/pgbench" -h "$work" -p "$PORT" -U postgres -c 4 -j 2 -T "$RUN" postgres >"$work/pgbench.log" 2>&1 &
bench=$!
: > "$work/samples.txt"
while kill -0 "$bench" 2>/dev/null; do
  curl -s "http://127.0.0.1:$METRICS_PORT/metrics" \
    | awk '/^walstream_store_lag_seconds /{s=$2} /^walstream_store_lag_bytes /{b=$2} END{print s, b}' \
    >> "$work/samples.txt"
  sleep 0.25
done
tps=$(grep -Eo 'tps = [0-9.]+' "$work/pgbench.log" | head -1)
wal=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk '/^walstream_received_bytes_total /{printf "%.0f MB", $2/1048576}')

pct() { sort -g | awk -v p="$1" '{a[NR]=$1} END{i=int(NR*p/100+0.999); if(i<1)i=1; print a[i]}'; }
n=$(wc -l < "$work/samples.txt")
printf 'pgbench -c4 %s s (%s), %s received; %d samples of the store lag, --partial-upload-interval %s\n' \
  "$RUN" "$tps" "$wal" "$n" "$INTERVAL"
for col in 1 2; do
  name=$([ $col = 1 ] && echo "seconds" || echo "bytes  ")
  vals=$(awk -v c=$col '{print $c}' "$work/samples.txt")
  printf 'store lag %s  p50 %s  p95 %s  p99 %s  max %s\n' "$name" \
    "$(echo "$vals" | pct 50)" "$(echo "$vals" | pct 95)" "$(echo "$vals" | pct 99)" "$(echo "$vals" | pct 100)"
done
