#!/usr/bin/env bash
# A real recovery through each restore_command, in one run: a base backup, then >= 1 GB of WAL
# (pgbench), archived; then the backup recovers to the end of the archive (recovery.signal) once
# with each restore_command, timed from pg_ctl start to the end of recovery (promotion).
#
#   PG_BIN=/usr/lib/postgresql/15/bin WAL_GB=1 benchmarks/scripts/restore-recovery.sh
#   REUSE=1 ROUNDS=3 METHODS="cp serve-curl" ...   (again on the same backup and archive, alternating)
#
# Needs: PostgreSQL's server and client programs (PG_BIN), curl, the walstream jar
# (cli/target/walstream.jar: ./mvnw -B -DskipTests -pl cli -am package), run as root (servers run as
# postgres) or as an unprivileged user. Prints one line per method and the ratios to cp.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
WAL_GB="${WAL_GB:-1}"
ROUNDS="${ROUNDS:-1}"
JAR="${JAR:-$root/cli/target/walstream.jar}"
PORT="${PORT:-54399}"
SERVE_PORT="${SERVE_PORT:-17480}"
work="${WORK:-/tmp/walstream-restore-bench}"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

primary="$work/primary"; backup="$work/backup"; archive="$work/archive"; zarchive="$work/zarchive"
if [ "${REUSE:-0}" = 1 ] && [ -d "$zarchive" ]; then
  echo "reusing the backup and archives in $work" >&2
  end_lsn=reused
else
rm -rf "$work"; mkdir -p "$work"; chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
as_pg "$PG_BIN/initdb" -D "$primary" -U postgres --no-sync >/dev/null
cat >> "$primary/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$work'
listen_addresses = ''
wal_keep_size = '$((WAL_GB * 1024 + 2048))MB'
max_wal_size = '4GB'
fsync = off
CONF
as_pg "$PG_BIN/pg_ctl" -D "$primary" -l "$work/primary.log" -w start >/dev/null
as_pg "$PG_BIN/pg_basebackup" -h "$work" -p "$PORT" -U postgres -D "$backup" -X none --checkpoint=fast
start_seg=$(as_pg "$PG_BIN/psql" -h "$work" -p "$PORT" -U postgres -Atc "SELECT pg_walfile_name(pg_current_wal_lsn())")
echo "generating ${WAL_GB} GB of WAL with pgbench ..." >&2
as_pg "$PG_BIN/pgbench" -h "$work" -p "$PORT" -U postgres -i -q -s 20 postgres >/dev/null 2>&1
target=$((WAL_GB * 1024 * 1024 * 1024))
while [ "$(as_pg "$PG_BIN/psql" -h "$work" -p "$PORT" -U postgres -Atc \
        "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")" -lt "$target" ]; do
  as_pg "$PG_BIN/pgbench" -h "$work" -p "$PORT" -U postgres -c 4 -j 2 -T 10 -n postgres >/dev/null 2>&1
done
end_lsn=$(as_pg "$PG_BIN/psql" -h "$work" -p "$PORT" -U postgres -Atc "SELECT pg_switch_wal()")
as_pg "$PG_BIN/psql" -h "$work" -p "$PORT" -U postgres -Atc "CHECKPOINT" >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$primary" -w stop -m fast >/dev/null

# The archive: every complete segment from the backup's on, plain and zstd (walstream's --compress form).
mkdir -p "$archive" "$zarchive"
for f in "$primary"/pg_wal/[0-9A-F]*; do
  n=$(basename "$f"); [ ${#n} = 24 ] || continue
  [[ "$n" < "$start_seg" ]] && continue
  cp "$f" "$archive/$n"
done
cp "$primary"/pg_wal/*.backup "$archive/" 2>/dev/null || true
for f in "$archive"/*; do
  n=$(basename "$f")
  if [ ${#n} = 24 ]; then zstd -q -3 "$f" -o "$zarchive/$n.zst"; else cp "$f" "$zarchive/"; fi
done
chmod -R a+rX "$archive" "$zarchive"
fi
segments=$(ls "$archive" | grep -c '^[0-9A-F]\{24\}$')
bytes=$(du -sb "$archive" | cut -f1); zbytes=$(du -sb "$zarchive" | cut -f1)
echo "archive: $segments segments, $((bytes / 1048576)) MB plain, $((zbytes / 1048576)) MB zstd; recovery to $end_lsn" >&2

java -jar "$JAR" serve -D "$archive" --listen "127.0.0.1:$SERVE_PORT" 2>"$work/serve.log" & serve_pid=$!
java -jar "$JAR" serve -D "$zarchive" --listen "127.0.0.1:$((SERVE_PORT + 1))" 2>"$work/zserve.log" & zserve_pid=$!
trap 'kill $serve_pid $zserve_pid 2>/dev/null || true' EXIT
for i in $(seq 1 100); do curl -fs "http://127.0.0.1:$SERVE_PORT/" >/dev/null && curl -fs "http://127.0.0.1:$((SERVE_PORT + 1))/" >/dev/null && break; sleep 0.1; done

recover() { # name restore_command -> seconds
  local name="$1" cmd="$2" dir="$work/recover-$1"
  rm -rf "$dir"; cp -a "$backup" "$dir"; chmod 700 "$dir"; [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  cat >> "$dir/postgresql.conf" <<CONF
port = $((PORT + 1))
restore_command = '$cmd'
recovery_target_timeline = 'current'
fsync = off
CONF
  touch "$dir/recovery.signal"
  local t0=$(date +%s%N)
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$work/$name.log" -t 3600 -w start >/dev/null \
    || { tail -5 "$work/$name.log" >&2; return 1; }
  until [ "$(as_pg "$PG_BIN/psql" -h "$work" -p $((PORT + 1)) -U postgres -Atc "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]; do
    as_pg "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null || { tail -5 "$work/$name.log" >&2; return 1; }
    sleep 0.05
  done
  local t1=$(date +%s%N)
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -w stop -m immediate >/dev/null
  grep -q "archive recovery complete\|selected new timeline" "$work/$name.log"
  echo "$(( (t1 - t0) / 1000000 ))"
}

declare -A total
read -r -a methods <<< "${METHODS:-cp serve-curl serve-curl-zstd walstream-restore}"
for r in $(seq 1 "$ROUNDS"); do
  for m in "${methods[@]}"; do
    case $m in
      cp) cmd="cp $archive/%f %p" ;;
      serve-curl) cmd="curl -fsS -o %p http://127.0.0.1:$SERVE_PORT/wal/%f" ;;
      serve-curl-zstd) cmd="curl -fsS -o %p http://127.0.0.1:$((SERVE_PORT + 1))/wal/%f" ;;
      walstream-restore) cmd="java -jar $JAR restore %f %p -D $archive" ;;
    esac
    ms=$(recover "$m" "$cmd") || { echo "recovery with $m failed" >&2; exit 1; }
    total[$m]=$(( ${total[$m]:-0} + ms ))
    echo "round $r  $m: $ms ms ($(( bytes * 1000 / 1048576 / (ms > 0 ? ms : 1) )) MB/s)"
  done
done
for m in "${methods[@]}"; do
  echo "$m: $(( total[$m] / ROUNDS )) ms mean; speed vs cp: $(awk -v a="${total[cp]}" -v b="${total[$m]}" 'BEGIN{printf "%.2f", a/b}')x"
done
