#!/usr/bin/env bash
# A freshly started receiver draining a backlog, each a new process as a user starts it, over TLS (TLS=on, the
# default: sslmode=require, TLS 1.3) or plain TCP (TLS=off). Rounds alternate, the first a warm-up; prints, per run,
# the seconds until -E is durable, the receiver's CPU seconds (user + system) and its peak RSS (/usr/bin/time).
# VARIANTS chooses the receivers:
#   walstream             the repository's launcher as released (C1 alone, TLS in BoringSSL)
#   walstream-tiered-jdk  as walstream ran before issue 17 (tiered JIT, the JDK's TLS)
#   walstream-x           the launcher with WALSTREAM_JAVA_OPTS=$X_OPTS, for trying a JVM option
#   walstream-before      the launcher of another checkout, $BEFORE (e.g. a git worktree of an earlier commit, its
#                         jar built), for a before/after in the same rounds
#   pg_receivewal         PG_BIN's
#
#   PG_BIN=/usr/lib/postgresql/15/bin MB=1024 ROUNDS=3 benchmarks/scripts/process-catchup.sh
#   TLS=off VARIANTS="walstream pg_receivewal" MB=1536 benchmarks/scripts/process-catchup.sh
#
# Needs: PostgreSQL's server and client programs (PG_BIN, incl. pg_receivewal), openssl, the walstream jar
# (./mvnw -B -DskipTests -pl cli -am package); run as root (the server runs as postgres) or as an unprivileged user.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
MB="${MB:-1024}"; ROUNDS="${ROUNDS:-3}"; PORT="${PORT:-54431}"; TLS="${TLS:-on}"
VARIANTS="${VARIANTS:-walstream walstream-tiered-jdk pg_receivewal}"
work="${WORK:-/tmp/walstream-process-catchup}"
. "$root/benchmarks/scripts/primary.sh"
cleanup() { stop_primary "$work/primary"; }
trap cleanup EXIT

rm -rf "$work"; mkdir -p "$work"; [ "$(id -u)" = 0 ] && chown postgres "$work"
init_primary "$work/primary" "$PORT" "$([ "$TLS" = on ] && echo hostssl || echo host)" <<CONF
max_wal_size = '4GB'
wal_keep_size = '4GB'
synchronous_commit = off
ssl = $TLS
CONF
if [ "$TLS" = on ]; then
  as_pg openssl req -new -x509 -days 2 -nodes -subj /CN=127.0.0.1 -keyout "$work/primary/server.key" \
    -out "$work/primary/server.crt" >/dev/null 2>&1
  as_pg chmod 600 "$work/primary/server.key"
fi
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
echo "PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}'), WAL from $start to $end, TLS $TLS"
seg=$((16#${start:16:8}))
# every receiver starts at the same segment: an empty one before it says where
seed() { mkdir -p "$1"; printf -v prev '%08X%08X%08X' 1 0 $((seg - 1)); truncate -s 16M "$1/$prev"; }
conn="host=127.0.0.1 port=$PORT user=postgres sslmode=$([ "$TLS" = on ] && echo require || echo disable)"
# round 0 is a warm-up: the first run after a build writes the launcher's class archive as it exits
for r in $(seq 0 "$ROUNDS"); do
  for v in $VARIANTS; do
    d="$work/run-$v"; rm -rf "$d"; seed "$d"
    opts=
    case $v in
      walstream) ;;
      walstream-tiered-jdk) opts="-XX:TieredStopAtLevel=4 -Dio.netty.handler.ssl.noOpenSsl=true" ;;
      walstream-x) opts="${X_OPTS:?walstream-x needs X_OPTS}" ;;
      walstream-before) : "${BEFORE:?walstream-before needs BEFORE}" ;;
      pg_receivewal) ;;
      *) echo "unknown variant $v" >&2; exit 2 ;;
    esac
    t0=$(date +%s.%N)
    if [ "$v" = pg_receivewal ]; then
      /usr/bin/time -f '%U %S %M' -o "$d.cpu" "$PG_BIN/pg_receivewal" -D "$d" -d "$conn" -E "$end" -n 2>"$d.log"
    else
      # the launcher execs java (its class archive exists after round 0), so time sees the receiver's JVM
      launcher="$root/walstream"; [ "$v" = walstream-before ] && launcher="$BEFORE/walstream"
      WALSTREAM_JAVA_OPTS="$opts" /usr/bin/time -f '%U %S %M' -o "$d.cpu" \
        "$launcher" receive -D "$d" -d "$conn" -E "$end" -n --no-progress 2>"$d.log"
    fi
    t1=$(date +%s.%N)
    printf 'round %d  %-22s %6.2f s  CPU %5.2f s  RSS %4d MB  %s%s\n' "$r" "$v" "$(echo "$t1 - $t0" | bc)" \
      "$(awk '{print $1 + $2}' "$d.cpu")" "$(awk '{print int($3 / 1024)}' "$d.cpu")" \
      "$(grep -o 'over [^)]*, [A-Za-z]*' "$d.log" | head -1)" \
      "$([ "$r" = 0 ] && echo "  (warm-up)")"
  done
done
