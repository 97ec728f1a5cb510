#!/usr/bin/env bash
# Where a synchronous standby's commit time goes, per receiver under the same load: each receiver (walstream
# through the repository's launcher, pg_receivewal) is the only name in synchronous_standby_names, pgbench -c4 runs
# 10 s to warm up and then RUN s; 5 s into that, for 10 s: `perf trace -s` (each syscall's count and mean time) and
# the receiver threads' schedstat (time on a CPU, time runnable but waiting for one). Rounds alternate.
#
#   PG_BIN=/usr/lib/postgresql/15/bin ROUNDS=2 benchmarks/scripts/sync-breakdown.sh
#
# Needs: PostgreSQL's server and client programs (PG_BIN, incl. pgbench and pg_receivewal), perf, the walstream
# jar; run as root (perf trace, and the server runs as postgres).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
RUN="${RUN:-20}"; ROUNDS="${ROUNDS:-2}"; PORT="${PORT:-54411}"
work="${WORK:-/tmp/walstream-sync-breakdown}"
. "$root/benchmarks/scripts/primary.sh"
cleanup() { stop_primary "$work/primary"; }
trap cleanup EXIT

rm -rf "$work"; mkdir -p "$work"; chown postgres "$work"
init_primary "$work/primary" "$PORT" <<CONF
max_wal_size = '4GB'
synchronous_standby_names = 'sb'
CONF
start_primary "$work/primary"
PGOPTIONS='-c synchronous_commit=local' as_pg "$PG_BIN/pgbench" -h "$work" -p "$PORT" -U postgres -i -s 10 -q \
  postgres >/dev/null 2>&1
bench() { as_pg "$PG_BIN/pgbench" -h "$work" -p "$PORT" -U postgres -c 4 -j 2 -T "$1" postgres; }
# tid comm on-cpu-ns runqueue-wait-ns timeslices, per thread of a process
threads() { for t in /proc/"$1"/task/*; do echo "$(basename "$t") $(tr ' ' '_' < "$t/comm") $(cat "$t/schedstat")"; done; }

run() {
  local label=$1; shift
  rm -rf "$work/$label"; mkdir -p "$work/$label"
  "$@" > "$work/$label.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    [ "$(as_pg "$PG_BIN/psql" -h "$work" -p "$PORT" -U postgres -Atc \
      "select sync_state from pg_stat_replication where application_name = 'sb'" postgres)" = sync ] && break
    sleep 0.2
  done
  bench 10 >/dev/null 2>&1
  bench "$RUN" > "$work/$label.pgbench" 2>&1 &
  local load=$!
  sleep 5
  threads "$pid" > "$work/$label.before"
  timeout -s INT 10 perf trace -s -p "$pid" -o "$work/$label.trace" >/dev/null 2>&1 || true
  threads "$pid" > "$work/$label.after"
  wait "$load"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "== $label: $(grep -Eo 'tps = [0-9.]+' "$work/$label.pgbench"), $(grep -E 'latency average' "$work/$label.pgbench")"
  grep -E "^ +(fdatasync|fsync|pwrite64|write|read|recvfrom|sendto|epoll_wait|pselect6) " "$work/$label.trace" \
    | awk '{printf "   %-11s %6d calls  mean %.3f ms\n", $1, $2, $6}' || true
  join <(sort "$work/$label.before") <(sort "$work/$label.after") | awk '{run = ($7 - $3) / 1e6; wait = ($8 - $4) / 1e6;
    if (run > 5) printf "   thread %-16s on a CPU %7.1f ms, runnable waiting %7.1f ms, slices %6d (10 s)\n", $2, run, wait, $9 - $5}'
}
for _ in $(seq 1 "$ROUNDS"); do
  run walstream "$root/walstream" receive -D "$work/walstream" -d \
    "host=127.0.0.1 port=$PORT user=postgres application_name=sb" --synchronous --no-progress
  run pg_receivewal "$PG_BIN/pg_receivewal" -D "$work/pg_receivewal" -d \
    "host=127.0.0.1 port=$PORT user=postgres application_name=sb" --synchronous -n
done
