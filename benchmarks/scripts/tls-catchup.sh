#!/usr/bin/env bash
# A freshly started receiver draining a backlog over TLS (sslmode=require, TLS 1.3), each a new process as a user
# starts it: walstream through the repository's launcher (C1 alone, TLS in BoringSSL), walstream as it ran before
# (tiered JIT, the JDK's TLS), and pg_receivewal. Rounds alternate, the first a warm-up; prints seconds per run until
# -E is durable.
#
#   PG_BIN=/usr/lib/postgresql/15/bin MB=1024 ROUNDS=3 benchmarks/scripts/tls-catchup.sh
#
# Needs: PostgreSQL's server and client programs (PG_BIN, incl. pg_receivewal), openssl, the walstream jar
# (./mvnw -B -DskipTests -pl cli -am package); run as root (the server runs as postgres) or as an unprivileged user.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
MB="${MB:-1024}"; ROUNDS="${ROUNDS:-3}"; PORT="${PORT:-54431}"
work="${WORK:-/tmp/walstream-tls-catchup}"
. "$root/benchmarks/scripts/primary.sh"
cleanup() { stop_primary "$work/primary"; }
trap cleanup EXIT

rm -rf "$work"; mkdir -p "$work"; [ "$(id -u)" = 0 ] && chown postgres "$work"
init_primary "$work/primary" "$PORT" hostssl <<CONF
max_wal_size = '4GB'
wal_keep_size = '4GB'
synchronous_commit = off
ssl = on
CONF
as_pg openssl req -new -x509 -days 2 -nodes -subj /CN=127.0.0.1 -keyout "$work/primary/server.key" \
  -out "$work/primary/server.crt" >/dev/null 2>&1
as_pg chmod 600 "$work/primary/server.key"
start_primary "$work/primary"
q() { as_pg "$PG_BIN/psql" -h "$work" -p "$PORT" -U postgres -Atqc "$1" postgres; }
q "select pg_create_physical_replication_slot('hold', true)" >/dev/null
# start past segment 1: pg_receivewal ignores a segment 0 in the directory
q "select pg_switch_wal()" >/dev/null; q "create table t (id bigint, payload text)"; q "select pg_switch_wal()" >/dev/null
start=$(q "select pg_walfile_name(pg_current_wal_lsn())")
for _ in $(seq 1 $((MB / 16))); do
  q "insert into t select g, md5(g::text) || repeat(md5((g * 7)::text), 25) from generate_series(1, 17600) g"
done
end=$(q "select pg_switch_wal()")
echo "PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}'), WAL from $start to $end over TLS"
seg=$((16#${start:16:8}))
# every receiver starts at the same segment: an empty one before it says where
seed() { mkdir -p "$1"; printf -v prev '%08X%08X%08X' 1 0 $((seg - 1)); truncate -s 16M "$1/$prev"; }
conn="host=127.0.0.1 port=$PORT user=postgres sslmode=require"
# round 0 is a warm-up: the first run after a build writes the launcher's class archive as it exits
for r in $(seq 0 "$ROUNDS"); do
  for v in walstream walstream-tiered-jdk pg_receivewal; do
    d="$work/run-$v"; rm -rf "$d"; seed "$d"
    t0=$(date +%s.%N)
    case $v in
      walstream) "$root/walstream" receive -D "$d" -d "$conn" -E "$end" -n --no-progress 2>"$d.log" ;;
      walstream-tiered-jdk) WALSTREAM_JAVA_OPTS="-XX:TieredStopAtLevel=4 -Dio.netty.handler.ssl.noOpenSsl=true" \
        "$root/walstream" receive -D "$d" -d "$conn" -E "$end" -n --no-progress 2>"$d.log" ;;
      pg_receivewal) "$PG_BIN/pg_receivewal" -D "$d" -d "$conn" -E "$end" -n 2>"$d.log" ;;
    esac
    t1=$(date +%s.%N)
    printf 'round %d  %-22s %6.2f s  %s%s\n' "$r" "$v" "$(echo "$t1 - $t0" | bc)" \
      "$(grep -o 'over [^)]*, [A-Za-z]*' "$d.log" | head -1)" "$([ "$r" = 0 ] && echo "  (warm-up)")"
  done
done
